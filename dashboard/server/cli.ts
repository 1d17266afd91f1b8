// `homeostat dashboard serve`: the dashboard on its own (the chart's dashboard pod). It shows what
// the Kubernetes API holds; the live decisions come in-process only (npm start runs it beside the
// operator). The control token comes from $HOMEOSTAT_DASHBOARD_TOKEN (the chart's Secret), or is
// generated and printed once on stderr.
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { loadKubeConfig } from '../../operator/index.ts';
import { parseDashboardOptions } from './options.ts';
import { startDashboard } from './server.ts';

export const TOKEN_ENV = 'HOMEOSTAT_DASHBOARD_TOKEN';
export const VIEW_TOKEN_ENV = 'HOMEOSTAT_DASHBOARD_VIEW_TOKEN';

export function dashboardCommand(): Command {
  const cmd = new Command('dashboard').description('the live healing dashboard');
  cmd
    .command('serve')
    .description('serve the dashboard for the cluster of the kubeconfig (or in-cluster)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', '8090')
    .option(
      '--namespace <ns>',
      "the operator's namespace (the halt); default $POD_NAMESPACE or homeostat-system",
    )
    .option('--watch-namespaces <list>', 'comma-separated namespaces to show; default all')
    .option('--web-root <dir>', 'the built web app; default dashboard/web/dist')
    .option('--control-log-file <file>', 'append each control action here as a JSON line')
    .option('--kubeconfig <file>', 'kubeconfig to use; default $KUBECONFIG, in-cluster, then ~/.kube/config')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info'),
    )
    .action(async (o) => {
      let options: ReturnType<typeof parseDashboardOptions>;
      try {
        options = parseDashboardOptions({
          host: o.host,
          port: Number(o.port),
          namespace: o.namespace ?? process.env.POD_NAMESPACE ?? 'homeostat-system',
          watchNamespaces: o.watchNamespaces ? String(o.watchNamespaces).split(',').filter(Boolean) : [],
          ...(process.env[TOKEN_ENV] ? { token: process.env[TOKEN_ENV] } : {}),
          ...(process.env[VIEW_TOKEN_ENV] ? { viewToken: process.env[VIEW_TOKEN_ENV] } : {}),
          ...(o.webRoot ? { webRoot: o.webRoot } : {}),
          ...(o.controlLogFile ? { controlLogFile: o.controlLogFile } : {}),
        });
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(2);
      }
      const logger = pino({ name: 'dashboard', level: o.logLevel });
      const dashboard = await startDashboard(options, { kubeConfig: loadKubeConfig(o.kubeconfig), logger });
      process.stderr.write(`dashboard: ${dashboard.url}\n`);
      if (!process.env[TOKEN_ENV])
        process.stderr.write(
          `dashboard control token (open ${dashboard.url}#token=<token>): ${dashboard.token}\n`,
        );
      await new Promise<void>((resolve) => {
        const stop = () => dashboard.stop().then(resolve, resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
  return cmd;
}
