import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ChaosExperimentStatus } from '../../crds/index.ts';
import {
  InProcessTrainer,
  PredictorRegistry,
  type PredictorTarget,
  SeriesHistory,
  syntheticService,
  type Trainer,
} from '../../predictor/index.ts';
import { ChaosFaultHistory, type FaultMembership } from './chaos-fault-history.ts';
import type { ChaosExperimentObject } from './chaos-signals.ts';

const T0 = Date.UTC(2026, 10, 20, 12);
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

function deployment(namespace: string, name: string, labels: Record<string, string>): V1Deployment {
  return { metadata: { namespace, name }, spec: { selector: {}, template: { metadata: { labels } } } };
}

/** The cluster as the informer caches would show it: pods by owner, Deployments by namespace. */
function cluster(pods: Record<string, string[]>, deployments: V1Deployment[]): FaultMembership {
  return {
    deploymentsOfPod: (ns, pod) => pods[`${ns}/${pod}`],
    deployments: (ns) => deployments.filter((d) => d.metadata?.namespace === ns),
  };
}

const shop = [
  deployment('shop', 'orders', { app: 'orders' }),
  deployment('shop', 'payments', { app: 'payments' }),
];
const members = cluster(
  {
    'shop/orders-7d-a': ['shop/orders'],
    'shop/orders-7d-b': ['shop/orders'],
    // Quarantined: out of the ReplicaSet, still the Deployment's (the caches' quarantine index).
    'shop/orders-7d-q': ['shop/orders'],
    'shop/payments-5f-a': ['shop/payments'],
  },
  shop,
);

function experiment(
  name: string,
  status: ChaosExperimentStatus,
  labels: Record<string, string> = { app: 'orders' },
): ChaosExperimentObject {
  return {
    metadata: { namespace: 'shop', name, uid: `uid-${name}` },
    spec: { selector: { labelSelector: { matchLabels: labels } } },
    status,
  };
}

function pod(name: string, injected?: number, recovered?: number) {
  return {
    namespace: 'shop',
    pod: name,
    ...(injected !== undefined ? { injectedAt: at(injected) } : {}),
    ...(recovered !== undefined ? { recoveredAt: at(recovered) } : {}),
  };
}

const span = (target: string, from: number, to: number) => ({
  target,
  start: T0 + from * MIN,
  end: T0 + to * MIN,
});

function history(now: { t: number }, o: Partial<ConstructorParameters<typeof ChaosFaultHistory>[0]> = {}) {
  return new ChaosFaultHistory({ membership: members, now: () => now.t, ...o });
}

describe('ChaosFaultHistory', () => {
  it('records a run as the span from its first injection to its last recovery, on the pods’ Deployment', () => {
    const now = { t: T0 + 30 * MIN };
    const h = history(now);
    h.observe(
      experiment('kill', {
        phase: 'Completed',
        startTime: at(0),
        endTime: at(12),
        targets: [pod('orders-7d-a', 1, 10), pod('orders-7d-q', 2, 11), pod('orders-7d-b')],
      }),
    );
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 11)]);
    expect(h.faults('shop/payments')).toEqual([]);
  });

  it('merges overlapping faults of a target and keeps disjoint ones apart', () => {
    const now = { t: T0 + 120 * MIN };
    const h = history(now);
    h.observe(
      experiment('a', { phase: 'Completed', startTime: at(0), targets: [pod('orders-7d-a', 0, 10)] }),
    );
    h.observe(
      experiment('b', { phase: 'Completed', startTime: at(5), targets: [pod('orders-7d-b', 5, 20)] }),
    );
    h.observe(
      experiment('c', { phase: 'Completed', startTime: at(60), targets: [pod('orders-7d-a', 60, 65)] }),
    );
    h.observe(
      experiment(
        'd',
        { phase: 'Completed', startTime: at(0), targets: [pod('payments-5f-a', 30, 40)] },
        { app: 'payments' },
      ),
    );
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 0, 20), span('shop/orders', 60, 65)]);
    expect(h.faults('shop/payments')).toEqual([span('shop/payments', 30, 40)]);
    expect(h.size()).toBe(4);
  });

  it('lets an active fault run until now, no later than its deadline, until the engine stamps its recovery', () => {
    const now = { t: T0 + 5 * MIN };
    const h = history(now);
    const running = (targets: ReturnType<typeof pod>[]) =>
      experiment('latency', { phase: 'Running', startTime: at(0), deadline: at(10), targets });
    h.observe(running([pod('orders-7d-a', 1), pod('orders-7d-b', 1, 3)]));
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 5)]);
    now.t = T0 + 8 * MIN;
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 8)]);
    // The engine is down: the data plane drops the fault at the deadline.
    now.t = T0 + 30 * MIN;
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 10)]);
    h.observe(running([pod('orders-7d-a', 1, 31), pod('orders-7d-b', 1, 3)]));
    now.t = T0 + 60 * MIN;
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 31)]);
  });

  it('ties a pod already gone to the Deployment the selector picks, preferring the one its name points to', () => {
    const now = { t: T0 + 60 * MIN };
    const h = history(now);
    // A pod kill's victim is no longer in the caches.
    h.observe(
      experiment('kill', { phase: 'Completed', startTime: at(0), targets: [pod('orders-7d-gone', 1, 2)] }),
    );
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 2)]);

    // Two Deployments share the selected labels: the pod's name decides; an unrelated name takes both.
    const twins = [
      deployment('shop', 'cart', { tier: 'web' }),
      deployment('shop', 'cart-api', { tier: 'web' }),
      deployment('elsewhere', 'cart', { tier: 'web' }),
    ];
    const h2 = new ChaosFaultHistory({ membership: cluster({}, twins), now: () => now.t });
    const web = (name: string, podName: string) =>
      experiment(
        name,
        { phase: 'Completed', startTime: at(0), targets: [pod(podName, 3, 4)] },
        { tier: 'web' },
      );
    h2.observe(web('one', 'cart-api-6c-x'));
    expect(h2.faults('shop/cart-api')).toEqual([span('shop/cart-api', 3, 4)]);
    expect(h2.faults('shop/cart')).toEqual([]);
    h2.observe(web('two', 'web-1'));
    expect(h2.faults('shop/cart')).toEqual([span('shop/cart', 3, 4)]);
    expect(h2.faults('shop/cart-api')).toEqual([span('shop/cart-api', 3, 4)]);
    // The selector covers only the experiment's namespace.
    expect(h2.faults('elsewhere/cart')).toEqual([]);
  });

  it('resolves a pod on a later event when the caches did not know it yet', () => {
    const now = { t: T0 + 60 * MIN };
    const pods: Record<string, string[]> = {};
    const h = new ChaosFaultHistory({ membership: cluster(pods, []), now: () => now.t });
    const exp = experiment('kill', {
      phase: 'Completed',
      startTime: at(0),
      targets: [pod('orders-7d-a', 1, 2)],
    });
    h.observe(exp);
    expect(h.faults('shop/orders')).toEqual([]);
    pods['shop/orders-7d-a'] = ['shop/orders'];
    h.observe(exp); // the informer's resync
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 2)]);
  });

  it('keeps each run of a scheduled experiment, ending what a run left open when the next starts', () => {
    const now = { t: T0 };
    const h = history(now);
    now.t = T0 + 5 * MIN;
    h.observe(
      experiment('nightly', {
        phase: 'Running',
        startTime: at(0),
        deadline: at(10),
        targets: [pod('orders-7d-a', 1)],
      }),
    );
    now.t = T0 + 60 * MIN;
    h.observe(
      experiment('nightly', {
        phase: 'Running',
        startTime: at(60),
        deadline: at(70),
        targets: [pod('orders-7d-b', 61)],
      }),
    );
    now.t = T0 + 80 * MIN;
    h.observe(
      experiment('nightly', { phase: 'Completed', startTime: at(60), targets: [pod('orders-7d-b', 61, 71)] }),
    );
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 10), span('shop/orders', 61, 71)]);
  });

  it('keeps the intervals of a deleted experiment, ending a fault it left open at deletion', () => {
    const now = { t: T0 + 30 * MIN };
    const h = history(now);
    h.observe(
      experiment('done', { phase: 'Completed', startTime: at(0), targets: [pod('orders-7d-a', 1, 10)] }),
    );
    h.deleted(
      experiment('done', { phase: 'Completed', startTime: at(0), targets: [pod('orders-7d-a', 1, 10)] }),
    );
    h.deleted(
      experiment('cut', {
        phase: 'Running',
        startTime: at(20),
        deadline: at(50),
        targets: [pod('orders-7d-b', 21)],
      }),
    );
    now.t = T0 + 90 * MIN;
    expect(h.faults('shop/orders')).toEqual([span('shop/orders', 1, 10), span('shop/orders', 21, 30)]);
  });

  it('rebuilds after a restart: the last run from its pods, earlier runs from the status history', () => {
    const now = { t: T0 + 200 * MIN };
    const restarted = history(now);
    restarted.observe(
      experiment('nightly', {
        phase: 'Completed',
        startTime: at(120),
        endTime: at(135),
        targets: [pod('orders-7d-a', 121, 131)],
        history: [
          { startTime: at(120), endTime: at(135), phase: 'Completed' },
          { startTime: at(60), endTime: at(75), phase: 'Aborted' },
          { startTime: at(30), endTime: at(31), phase: 'Failed' },
          { startTime: at(0), endTime: at(15), phase: 'Completed' },
        ],
      }),
    );
    expect(restarted.faults('shop/orders')).toEqual([
      span('shop/orders', 0, 15),
      span('shop/orders', 60, 75),
      span('shop/orders', 121, 131),
    ]);
    expect(restarted.faults('shop/payments')).toEqual([]);
  });

  it('is bounded: by age, per target and in total, the runs that ended longest ago going first', () => {
    const now = { t: T0 + 3 * 60 * MIN };
    const h = history(now, { retentionMs: 60 * MIN, maxPerTarget: 10, maxTotal: 15 });
    for (let i = 0; i < 12; i++)
      h.observe(
        experiment(`o${i}`, {
          phase: 'Completed',
          startTime: at(120 + i),
          targets: [pod('orders-7d-a', 120 + i, 120 + i)],
        }),
      );
    // The 11th on one target: back to the newest 9, then the 12th makes 10.
    const starts = (target: string) => h.faults(target).map((f) => (f.start - T0) / MIN);
    expect(starts('shop/orders')).toEqual([122, 123, 124, 125, 126, 127, 128, 129, 130, 131]);
    for (let i = 0; i < 7; i++)
      h.observe(
        experiment(
          `p${i}`,
          { phase: 'Completed', startTime: at(150 + i), targets: [pod('payments-5f-a', 150 + i, 150 + i)] },
          { app: 'payments' },
        ),
      );
    // The 16th in all: back to 13, the oldest of either target going first, then the 17th makes 14.
    expect(h.size()).toBe(14);
    expect(starts('shop/orders')).toEqual([125, 126, 127, 128, 129, 130, 131]);
    expect(h.faults('shop/payments')).toHaveLength(7);
    // An hour's retention: all but the newest payments faults are forgotten.
    now.t = T0 + 215 * MIN;
    expect(h.faults('shop/orders')).toEqual([]);
    expect(starts('shop/payments')).toEqual([155, 156]);
    expect(h.size()).toBe(2);
    // A run already older than the retention is not taken in.
    h.observe(
      experiment('old', { phase: 'Completed', startTime: at(0), targets: [pod('orders-7d-a', 1, 2)] }),
    );
    expect(h.size()).toBe(2);
  });

  it('refuses bounds that are not positive', () => {
    expect(() => history({ t: T0 }, { retentionMs: 0 })).toThrow(/retentionMs must be positive, got 0/);
    expect(() => history({ t: T0 }, { maxPerTarget: 1.5 })).toThrow(
      /maxPerTarget must be a positive integer/,
    );
    expect(() => history({ t: T0 }, { maxTotal: -1 })).toThrow(/maxTotal must be a positive integer, got -1/);
  });
});

describe('the predictor learning from the fault history', () => {
  it('trains the risk model on the chaos faults as failures', async () => {
    // A quiet service: its own history never breaches, so only the injected faults are failures.
    const svc = syntheticService({
      days: 2,
      seed: 7,
      target: 'shop/orders',
      leaksPerDay: 0,
      surgesPerDay: 0,
      chaosPerDay: 0,
      spikesPerDay: 0,
    });
    const start = svc.series.times[0];
    const end = svc.series.times.at(-1)!;
    const target: PredictorTarget = { namespace: 'shop', name: 'orders', slo: svc.slo, horizonMinutes: 15 };
    const signals = new SeriesHistory();
    signals.set(target, svc.series);
    const iso = (t: number) => new Date(t).toISOString();
    const faults = new ChaosFaultHistory({ membership: members, now: () => end });
    // A fault every three hours, on one pod or another of orders.
    for (let k = 1; k < 16; k++) {
      const t = start + k * 3 * 60 * MIN;
      faults.observe({
        metadata: { namespace: 'shop', name: `kill-${k}`, uid: `kill-${k}` },
        spec: { selector: { labelSelector: { matchLabels: { app: 'orders' } } } },
        status: {
          phase: 'Completed',
          startTime: iso(t),
          targets: [
            {
              namespace: 'shop',
              pod: k % 2 ? 'orders-7d-a' : 'orders-7d-b',
              injectedAt: iso(t),
              recoveredAt: iso(t + 5 * MIN),
            },
          ],
        },
      });
    }
    expect(faults.faults('shop/orders')).toHaveLength(15);

    // The real trainer, with the risk jobs it is handed kept for a look.
    const inProcess = new InProcessTrainer();
    const riskJobs: unknown[] = [];
    const trainer: Trainer = {
      run: (job, options) => {
        if (job.kind === 'risk') riskJobs.push(structuredClone(job));
        return inProcess.run(job, options);
      },
      close: () => inProcess.close(),
    };
    const common = {
      history: signals,
      trainer,
      epochs: 1,
      trainingDays: 2,
      trainOnFirstSight: false,
      now: () => end,
    };
    const taught = new PredictorRegistry({ ...common, faults: (t) => faults.faults(t) });
    const blind = new PredictorRegistry(common);
    try {
      const withFaults = await taught.train(target);
      expect(riskJobs).toEqual([
        expect.objectContaining({
          examples: [expect.objectContaining({ faults: faults.faults('shop/orders') })],
        }),
      ]);
      expect(withFaults.risk).toHaveProperty('modelVersion');
      const withoutFaults = await blind.train(target);
      expect(withoutFaults.risk).toEqual({ error: expect.stringMatching(/with 0 failures/) });
    } finally {
      await taught.stop();
      await blind.stop();
      await inProcess.close();
    }
  }, 120_000);
});
