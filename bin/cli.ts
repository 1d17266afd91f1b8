// The homeostat command line.
import { Command } from 'commander';
import { proxy } from '../chaos/index.ts';
import { dashboardCommand } from '../dashboard/server/index.ts';
import { haltCommand, operatorCommand, resumeCommand } from '../operator/cli.ts';
import { loadgenCommand } from '../sample-services/loadgen/cli.ts';
import { sandboxCommand } from '../sandbox/cli.ts';
import { startExtras } from './start-extras.ts';

const program = new Command('homeostat')
  .description('Homeostat: a self-healing control plane and chaos operator for Kubernetes')
  .showHelpAfterError();
program.addCommand(
  sandboxCommand({
    afterStart: startExtras,
    // The fleet's chaos proxy sidecars serve per-pod RED metrics on their admin port.
    extraScrapeConfigs: (kubeletUrl) => [
      proxy.chaosProxyScrapeJob({ httpSdUrl: `${kubeletUrl}/http_sd/pods` }),
    ],
  }),
);
program.addCommand(loadgenCommand());
program.addCommand(operatorCommand());
program.addCommand(haltCommand());
program.addCommand(resumeCommand());
program.addCommand(dashboardCommand());
program.addCommand((await import('../chaos/cli.ts')).chaosCommand());

await program.parseAsync(process.argv);
