import { describe, expect, it } from 'vitest';
import { defaultNamespace, OperatorOptionsError, parseOperatorOptions } from './options.ts';

const env = { POD_NAMESPACE: 'homeostat-system', POD_NAME: 'homeostat-operator-7d9-x2' };

function problems(input: Record<string, unknown>): { flag: string; message: string }[] {
  try {
    parseOperatorOptions(input, env);
  } catch (err) {
    if (err instanceof OperatorOptionsError) return err.problems;
    throw err;
  }
  throw new Error('expected the options to be refused');
}

describe('operator options', () => {
  it('defaults to what the chart passes, with the pod as identity', () => {
    const o = parseOperatorOptions({}, env);
    expect(o).toMatchObject({
      namespace: 'homeostat-system',
      host: '0.0.0.0',
      metricsPort: 8080,
      healthPort: 8081,
      leaderElect: true,
      leaseName: 'homeostat-operator',
      leaseDuration: 15_000,
      renewDeadline: 10_000,
      retryPeriod: 2_000,
      watchNamespaces: [],
      protectedNamespaces: ['kube-system'],
      workers: 4,
      kubeApiQps: 20,
      kubeApiBurst: 40,
      evaluationInterval: 5_000,
      logLevel: 'info',
    });
    expect(o.identity).toMatch(/^homeostat-operator-7d9-x2-[0-9a-f]{8}$/);
    expect(o.prometheusUrl).toBeUndefined();
  });

  it('takes the chart’s flag values as the command line gives them: strings', () => {
    const o = parseOperatorOptions(
      {
        metricsPort: '9000',
        healthPort: '9001',
        leaseDuration: '1m30s',
        renewDeadline: '20s',
        retryPeriod: '500ms',
        watchNamespaces: 'shop, payments,,',
        protectedNamespaces: 'kube-system,homeostat-system',
        workers: '8',
        kubeApiQps: '7.5',
        kubeApiBurst: '15',
        prometheusUrl: 'http://prometheus.monitoring:9090',
        cadvisorUrl: 'http://{node}:10255/metrics/cadvisor',
      },
      env,
    );
    expect(o).toMatchObject({
      metricsPort: 9000,
      healthPort: 9001,
      leaseDuration: 90_000,
      renewDeadline: 20_000,
      retryPeriod: 500,
      watchNamespaces: ['shop', 'payments'],
      protectedNamespaces: ['kube-system', 'homeostat-system'],
      workers: 8,
      kubeApiQps: 7.5,
      kubeApiBurst: 15,
    });
  });

  it('names each bad flag', () => {
    expect(
      problems({
        workers: '0',
        metricsPort: '70000',
        leaseDuration: 'fifteen seconds',
        watchNamespaces: 'Shop',
        prometheusUrl: 'prometheus:9090',
        logLevel: 'verbose',
      }).map((p) => p.flag),
    ).toEqual([
      '--metrics-port',
      '--lease-duration',
      '--prometheus-url',
      '--watch-namespaces',
      '--workers',
      '--log-level',
    ]);
    expect(problems({ leaseDuration: 'fifteen seconds' })[0]!.message).toBe(
      '"fifteen seconds" is not a duration such as "15s" or "1m30s"',
    );
    expect(problems({ workers: '0' })[0]!.message).toBe('must be at least 1');
    expect(problems({ workers: 'four' })[0]!.message).toBe('must be a number');
    expect(problems({ logLevel: 'verbose' })[0]!.message).toBe(
      'must be one of trace, debug, info, warn, error, fatal, silent',
    );
  });

  it('refuses leader election timings that could let two replicas act at once', () => {
    expect(problems({ leaseDuration: '10s', renewDeadline: '10s' })).toEqual([
      { flag: '--lease-duration', message: 'must be greater than --renew-deadline' },
    ]);
    expect(problems({ renewDeadline: '2s', retryPeriod: '2s' })).toEqual([
      { flag: '--renew-deadline', message: 'must be greater than 1.2 × --retry-period' },
    ]);
    // Without leader election the timings do not matter.
    expect(
      parseOperatorOptions({ leaderElect: false, renewDeadline: '2s', retryPeriod: '2s' }, env).leaderElect,
    ).toBe(false);
  });

  it('refuses one port for both listeners, and a burst below the rate', () => {
    expect(problems({ metricsPort: '9000', healthPort: '9000' })).toEqual([
      { flag: '--health-port', message: 'must differ from --metrics-port' },
    ]);
    expect(problems({ kubeApiQps: '50', kubeApiBurst: '10' })).toEqual([
      { flag: '--kube-api-burst', message: 'must be at least --kube-api-qps' },
    ]);
    // Port 0 (any free port) twice is fine.
    expect(parseOperatorOptions({ metricsPort: 0, healthPort: 0 }, env).healthPort).toBe(0);
  });

  it('finds its namespace in POD_NAMESPACE, else uses homeostat-system outside a cluster', () => {
    expect(defaultNamespace({ POD_NAMESPACE: 'ops' })).toBe('ops');
    expect(defaultNamespace({})).toBe('homeostat-system');
  });
});
