// The homeostat command line.
import { Command } from 'commander';
import { sandboxCommand } from '../sandbox/cli.ts';

const program = new Command('homeostat')
  .description('Homeostat: a self-healing control plane and chaos operator for Kubernetes')
  .showHelpAfterError();
program.addCommand(sandboxCommand());

await program.parseAsync(process.argv);
