// What `npm start` runs on top of the sandbox: the bundled fleet and, later, the operator, the
// chaos engine and the dashboard.
import type { StartedExtras } from '../sandbox/cli.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { deployFleet } from '../sample-services/deploy.ts';

export async function startExtras(ctx: { sandbox: Sandbox; fleet: boolean }): Promise<StartedExtras | undefined> {
  if (!ctx.fleet) return undefined;
  process.stdout.write('Deploying the fleet (homeostat-demo namespace)... ');
  const fleet = await deployFleet(ctx.sandbox.kubeConfig());
  console.log('ready.');
  const banner = [
    `  fleet:       namespace ${fleet.namespace}, gateway ${fleet.gatewayUrl}`,
    '',
    'Place an order through the gateway:',
    `  TOKEN=$(curl -s -X POST ${fleet.gatewayUrl}/api/v1/auth/register -H 'content-type: application/json' \\`,
    `      -d '{"email":"you@example.com","password":"correct horse battery","name":"You"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    `  curl -s ${fleet.gatewayUrl}/api/v1/products -H "authorization: Bearer $TOKEN"`,
  ];
  return { banner, stop: async () => {} };
}
