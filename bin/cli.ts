// The homeostat command line. Each command's modules load only when that command runs: the
// operator, dashboard and chaos engine pull in much code (client-node's models, TF.js, express), and
// a sandbox running alone should not hold what it never uses.
import type { Command } from 'commander';
import { Command as Program } from 'commander';

type Loader = () => Promise<Command[]>;

const LOADERS: Record<string, Loader> = {
  sandbox: async () => {
    const { sandboxCommand } = await import('../sandbox/cli.ts');
    // Small and dependency-free: the scrape job the sandbox's Prometheus needs for the proxies.
    const { chaosProxyScrapeJob } = await import('../chaos/proxy/scrape-config.ts');
    return [
      sandboxCommand({
        afterStart: async (ctx) => (await import('./start-extras.ts')).startExtras(ctx),
        // The fleet's chaos proxy sidecars serve per-pod RED metrics on their admin port.
        extraScrapeConfigs: (kubeletUrl) => [
          chaosProxyScrapeJob({ httpSdUrl: `${kubeletUrl}/http_sd/pods` }),
        ],
      }),
    ];
  },
  loadgen: async () => [(await import('../sample-services/loadgen/cli.ts')).loadgenCommand()],
  operator: async () => [(await import('../operator/cli.ts')).operatorCommand()],
  halt: async () => [(await import('../operator/cli.ts')).haltCommand()],
  resume: async () => [(await import('../operator/cli.ts')).resumeCommand()],
  dashboard: async () => [(await import('../dashboard/server/index.ts')).dashboardCommand()],
  chaos: async () => [(await import('../chaos/cli.ts')).chaosCommand()],
  predictor: async () => [(await import('../predictor/cli.ts')).predictorCommand()],
};

const program = new Program('homeostat')
  .description('Homeostat: a self-healing control plane and chaos operator for Kubernetes')
  .showHelpAfterError();

const wanted = process.argv[2];
const names = wanted !== undefined && wanted in LOADERS ? [wanted] : Object.keys(LOADERS);
for (const name of names) for (const command of await LOADERS[name]!()) program.addCommand(command);

await program.parseAsync(process.argv);
