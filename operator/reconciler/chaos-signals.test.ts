import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ChaosExperimentStatus } from '../../crds/index.ts';
import { type ChaosExperimentObject, chaosAgainst } from './chaos-signals.ts';

const payments: V1Deployment = {
  metadata: { namespace: 'shop', name: 'payments' },
  spec: {
    selector: { matchLabels: { app: 'payments' } },
    template: { metadata: { labels: { app: 'payments', tier: 'backend' } } },
  },
};
const pods: V1Pod[] = ['payments-a', 'payments-b'].map((name) => ({
  metadata: { namespace: 'shop', name, labels: { app: 'payments', tier: 'backend' } },
}));

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:00:10Z';

function experiment(
  name: string,
  status: ChaosExperimentStatus,
  selector: Record<string, unknown> = { labelSelector: { matchLabels: { app: 'payments' } } },
  namespace = 'shop',
): ChaosExperimentObject {
  return { metadata: { namespace, name }, spec: { selector }, status };
}

const injected = (pod: string, namespace = 'shop') => ({ namespace, pod, injectedAt: T0 });

describe('chaosAgainst', () => {
  it('is inactive with no experiments', () => {
    expect(chaosAgainst([], payments, pods)).toEqual({ active: false, experiments: [] });
  });

  it('names the running experiments with a fault injected on one of the target’s pods', () => {
    const got = chaosAgainst(
      [
        experiment('slow-one', { phase: 'Running', targets: [injected('payments-b')] }),
        experiment('aborts', { phase: 'Recovering', targets: [injected('payments-a')] }),
      ],
      payments,
      pods,
    );
    expect(got).toEqual({ active: true, experiments: ['shop/aborts', 'shop/slow-one'] });
  });

  it('ignores runs that ended, have not injected yet, or whose faults were all recovered', () => {
    const got = chaosAgainst(
      [
        experiment('done', { phase: 'Completed', targets: [{ ...injected('payments-a'), recoveredAt: T1 }] }),
        experiment('pending', { phase: 'Pending' }),
        experiment('planning', { phase: 'Injecting', targets: [{ namespace: 'shop', pod: 'payments-a' }] }),
        experiment('recovered', {
          phase: 'Recovering',
          targets: [{ ...injected('payments-a'), recoveredAt: T1 }],
        }),
        experiment('no-status', {}),
      ],
      payments,
      pods,
    );
    expect(got).toEqual({ active: false, experiments: [] });
  });

  it('ties a pod kill whose victim is gone to the target through its selector', () => {
    const kill = experiment('kill', { phase: 'Running', targets: [injected('payments-old')] });
    expect(chaosAgainst([kill], payments, pods).experiments).toEqual(['shop/kill']);
  });

  it('does not count faults on other workloads’ pods that its selector does not share', () => {
    const orders = experiment(
      'orders-latency',
      { phase: 'Running', targets: [injected('orders-x')] },
      { labelSelector: { matchLabels: { app: 'orders' } } },
    );
    expect(chaosAgainst([orders], payments, pods).active).toBe(false);
  });

  it('matches expressions and the selector’s namespaces, not the experiment’s own', () => {
    const remote = experiment(
      'from-elsewhere',
      { phase: 'Running', targets: [injected('payments-gone')] },
      {
        namespaces: ['shop'],
        labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] },
      },
      'chaos-lab',
    );
    expect(chaosAgainst([remote], payments, pods).experiments).toEqual(['chaos-lab/from-elsewhere']);
    const otherNs = experiment(
      'other-ns',
      { phase: 'Running', targets: [injected('payments-a', 'staging')] },
      { namespaces: ['staging'], labelSelector: { matchLabels: { app: 'payments' } } },
    );
    expect(chaosAgainst([otherNs], payments, pods).active).toBe(false);
  });

  it('reads a malformed experiment without throwing', () => {
    const odd: ChaosExperimentObject = {
      metadata: { namespace: 'shop', name: 'odd' },
      spec: { selector: { namespaces: 'shop', labelSelector: 'app=payments' } },
      status: { phase: 'Running', targets: [injected('payments-zzz')] },
    };
    expect(chaosAgainst([odd], payments, pods).active).toBe(false);
  });
});
