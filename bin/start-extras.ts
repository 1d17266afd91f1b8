// What `npm start` runs on top of the sandbox: the bundled fleet and, later, the operator, the
// chaos engine and the dashboard.

import { join } from 'node:path';
import { deployFleet } from '../sample-services/deploy.ts';
import { startBackgroundLoad } from '../sample-services/loadgen/index.ts';
import type { StartedExtras } from '../sandbox/cli.ts';
import type { Sandbox } from '../sandbox/index.ts';

/** Gentle enough for two cores, busy enough that dashboards and the predictor see traffic. */
const BACKGROUND_RPS = 5;

export async function startExtras(ctx: {
  sandbox: Sandbox;
  dataDir: string;
  fleet: boolean;
}): Promise<StartedExtras | undefined> {
  if (!ctx.fleet) return undefined;
  process.stdout.write('Deploying the fleet (homeostat-demo namespace)... ');
  const fleet = await deployFleet(ctx.sandbox.kubeConfig(), { dataDir: join(ctx.dataDir, 'fleet') });
  console.log('ready.');
  const banner = [
    `  fleet:       namespace ${fleet.namespace}, gateway ${fleet.gatewayUrl}`,
    '',
    'Place an order through the gateway:',
    `  TOKEN=$(curl -s -X POST ${fleet.gatewayUrl}/api/v1/auth/register -H 'content-type: application/json' \\`,
    `      -d '{"email":"you@example.com","password":"correct horse battery","name":"You"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    `  curl -s ${fleet.gatewayUrl}/api/v1/products -H "authorization: Bearer $TOKEN"`,
  ];
  const abort = new AbortController();
  const load = startBackgroundLoad({
    gatewayUrl: fleet.gatewayUrl,
    rps: BACKGROUND_RPS,
    signal: abort.signal,
  });
  banner.splice(
    1,
    0,
    `  load:        ${BACKGROUND_RPS} requests/s of user journeys in the background (homeostat loadgen for more)`,
  );
  return {
    banner,
    async stop() {
      abort.abort();
      await load.done;
    },
  };
}
