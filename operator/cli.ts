// `homeostat operator run` (the flags the Helm chart passes) and the cluster-wide halt:
// `homeostat halt --reason ...` and `homeostat resume`.
import { userInfo } from 'node:os';
import { Command, Option, type OptionValues } from 'commander';
import { clearHalt, HALT_CONFIGMAP, readHalt, setHalt } from '../chaos/index.ts';
import { errorMessage, KubeClient, limitHeapGrowth } from '../kube/index.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import {
  defaultNamespace,
  type OperatorOptions,
  OperatorOptionsError,
  parseOperatorOptions,
} from './options.ts';

/** Next old-generation limit = live size × 1.5, as the sandbox does. */
const OPERATOR_HEAP_GROWING_PERCENT = 50;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** `operator run`'s parsed flags as validated options; throws OperatorOptionsError naming the flags. */
export function optionsFromFlags(o: OptionValues): OperatorOptions {
  return parseOperatorOptions({
    namespace: o.namespace,
    identity: o.identity,
    host: o.host,
    metricsPort: o.metricsPort,
    healthPort: o.healthPort,
    leaderElect: o.leaderElect,
    leaseName: o.leaseName,
    leaseDuration: o.leaseDuration,
    renewDeadline: o.renewDeadline,
    retryPeriod: o.retryPeriod,
    prometheusUrl: o.prometheusUrl || undefined,
    prometheusScrapeInterval: o.prometheusScrapeInterval,
    cadvisorUrl: o.cadvisorUrl,
    watchNamespaces: o.watchNamespaces,
    protectedNamespaces: o.protectedNamespaces,
    workers: o.workers,
    kubeApiQps: o.kubeApiQps,
    kubeApiBurst: o.kubeApiBurst,
    evaluationInterval: o.evaluationInterval,
    decisionLogDir: o.decisionLogDir,
    logLevel: o.logLevel,
    kubeconfig: o.kubeconfig,
    predictor: o.predictor,
    modelStore: o.modelStore,
    predictorRetrain: o.predictorRetrain,
    riskThreshold: o.riskThreshold,
  });
}

export function operatorCommand(): Command {
  const cmd = new Command('operator').description('the ResiliencePolicy operator');
  cmd
    .command('run')
    .description('run the operator against the cluster of the kubeconfig (or in-cluster)')
    .option(
      '--namespace <ns>',
      "the operator's own namespace (the Lease, the halt ConfigMap); default $POD_NAMESPACE",
    )
    .option('--identity <id>', 'this candidate in leader election; default <pod or host name>-<random>')
    .option('--host <address>', 'address the health and metrics listeners bind to', '0.0.0.0')
    .option('--metrics-port <port>', 'port of /metrics (0: any free port)', '8080')
    .option('--health-port <port>', 'port of /healthz and /readyz (0: any free port)', '8081')
    .option('--leader-elect', 'only the holder of the Lease acts (default)')
    .option('--no-leader-elect', 'act without leader election: run one replica only')
    .option('--lease-name <name>', 'the coordination.k8s.io Lease', 'homeostat-operator')
    .option('--lease-duration <duration>', 'how long others wait before taking an unrenewed lease', '15s')
    .option(
      '--renew-deadline <duration>',
      'how long the leader retries renewing before it stops acting',
      '10s',
    )
    .option('--retry-period <duration>', 'interval between attempts to acquire or renew', '2s')
    .option('--prometheus-url <url>', 'Prometheus HTTP API; without it the operator scrapes pods itself')
    .option(
      '--prometheus-scrape-interval <duration>',
      "Prometheus's scrape interval (staleness derives from it)",
      '15s',
    )
    .option(
      '--cadvisor-url <template>',
      'without Prometheus: a node\'s cAdvisor metrics URL ("{node}" is replaced)',
    )
    .option('--watch-namespaces <list>', 'comma-separated namespaces to watch; default all')
    .option('--protected-namespaces <list>', 'comma-separated namespaces never acted on', 'kube-system')
    .option('--workers <n>', 'policies reconciled at once', '4')
    .option('--kube-api-qps <n>', 'sustained Kubernetes API calls per second', '20')
    .option('--kube-api-burst <n>', 'Kubernetes API calls allowed at once above the rate', '40')
    .option('--evaluation-interval <duration>', 'how often each policy is evaluated again', '5s')
    .option(
      '--status-refresh-interval <duration>',
      "how often a policy's status is rewritten when only its readings changed",
      '30s',
    )
    .option(
      '--decision-log-dir <dir>',
      'where the append-only decision log is written',
      '.data/operator/decisions',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info'),
    )
    .option('--kubeconfig <file>', 'kubeconfig to use; default $KUBECONFIG, in-cluster, then ~/.kube/config')
    .option(
      '--predictor [mode]',
      'forecasts and failure risk from Prometheus history: auto (when --prometheus-url is set), on, off; bare: on',
      'auto',
    )
    .option('--no-predictor', 'no forecasts or failure risk: scale reactively only')
    .option(
      '--model-store <store>',
      'where trained models are kept: configmap (operator namespace), configmap:<namespace>, file:<dir>',
      'configmap',
    )
    .option('--predictor-retrain <cron>', 'when models are retrained, a cron expression', '17 * * * *')
    .option(
      '--risk-threshold <p>',
      'failure risk (0..1] at or above which pre-emptive actions run, unless a policy sets its own',
      '0.8',
    )
    .action(async (o) => {
      let options: OperatorOptions;
      try {
        options = optionsFromFlags(o);
      } catch (err) {
        if (err instanceof OperatorOptionsError) fail(err.message);
        throw err;
      }
      try {
        // Reconciling a thousand policies every few seconds makes a steady stream of garbage over
        // about 100 MiB live; V8's default growth let the heap reach five times that.
        limitHeapGrowth(OPERATOR_HEAP_GROWING_PERCENT);
        // Loaded here: the rest of the CLI does not pay for the operator's modules.
        const { runOperator } = await import('./main.ts');
        await runOperator(options);
      } catch (err) {
        fail(`the operator could not start: ${errorMessage(err)}`);
      }
    });
  return cmd;
}

function haltClient(o: { kubeconfig?: string }): KubeClient {
  try {
    return new KubeClient(loadKubeConfig(o.kubeconfig));
  } catch (err) {
    fail(errorMessage(err));
  }
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function haltOptions(cmd: Command): Command {
  return cmd
    .option('--namespace <ns>', `the operator's namespace, where the ${HALT_CONFIGMAP} ConfigMap lives`)
    .option('--by <name>', 'who does it, recorded in the ConfigMap; default the user name')
    .option('--kubeconfig <file>', 'kubeconfig to use; default $KUBECONFIG, then ~/.kube/config');
}

export function haltCommand(): Command {
  return haltOptions(
    new Command('halt')
      .description('stop all chaos and freeze healing cluster-wide, at once')
      .requiredOption('--reason <text>', 'why: shown in every blocked decision and in the policies’ status'),
  ).action(async (o) => {
    const client = haltClient(o);
    const namespace = o.namespace ?? defaultNamespace();
    try {
      const state = await setHalt(client, namespace, { reason: o.reason, by: o.by ?? whoAmI() });
      console.log(
        `Halted since ${state.since} by ${state.by ?? 'unknown'}: ${state.reason}\n` +
          `No healing action and no chaos runs until: homeostat resume --namespace ${namespace}`,
      );
    } catch (err) {
      fail(`could not halt: ${errorMessage(err)}`);
    } finally {
      client.close();
    }
  });
}

export function resumeCommand(): Command {
  return haltOptions(
    new Command('resume')
      .description('lift the cluster-wide halt')
      .option('--reason <text>', 'why it is safe again (optional)'),
  ).action(async (o) => {
    const client = haltClient(o);
    const namespace = o.namespace ?? defaultNamespace();
    try {
      const before = await readHalt(client, namespace);
      if (!before.halted) {
        console.log('Nothing is halted; nothing changed.');
        return;
      }
      const state = await clearHalt(client, namespace, {
        by: o.by ?? whoAmI(),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      console.log(`Resumed at ${state.since} by ${state.by ?? 'unknown'}: healing and chaos may act again.`);
    } catch (err) {
      fail(`could not resume: ${errorMessage(err)}`);
    } finally {
      client.close();
    }
  });
}
