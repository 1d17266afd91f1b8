// The homeostat command line.
import { Command } from 'commander';
import { loadgenCommand } from '../sample-services/loadgen/cli.ts';
import { sandboxCommand } from '../sandbox/cli.ts';
import { startExtras } from './start-extras.ts';

const program = new Command('homeostat')
  .description('Homeostat: a self-healing control plane and chaos operator for Kubernetes')
  .showHelpAfterError();
program.addCommand(sandboxCommand({ afterStart: startExtras }));
program.addCommand(loadgenCommand());

await program.parseAsync(process.argv);
