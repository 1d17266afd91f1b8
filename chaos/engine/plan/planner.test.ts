import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHAOS_OPT_IN_ANNOTATION,
  type ChaosExperimentSpec,
  ChaosExperimentSpecSchema,
} from '../../../crds/index.ts';
import { type PlanInput, type PodInfo, planExperiment } from './planner.ts';
import { podKey, selectTargets } from './select.ts';

const optedIn = { [CHAOS_OPT_IN_ANNOTATION]: 'true' };

function spec(extra: Record<string, unknown> = {}): ChaosExperimentSpec {
  return ChaosExperimentSpecSchema.parse({
    selector: { labelSelector: { matchLabels: { app: 'orders' } } },
    fault: { kind: 'PodKill' },
    duration: '30s',
    ...extra,
  });
}

function pods(n: number, namespace = 'shop', app = 'orders'): PodInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    namespace,
    name: `${app}-${i}`,
    labels: { app },
    phase: 'Running',
  }));
}

function input(over: Partial<PlanInput> & { spec?: ChaosExperimentSpec } = {}): PlanInput {
  return {
    experiment: { namespace: 'shop', name: 'exp', spec: over.spec ?? spec() },
    namespaces: over.namespaces ?? [
      { name: 'shop', annotations: optedIn },
      { name: 'kube-system', annotations: optedIn },
      { name: 'plain' },
    ],
    pods: over.pods ?? pods(10),
    active: over.active ?? [],
    safety: over.safety ?? {
      protectedNamespaces: ['kube-system', 'homeostat-system'],
      clusterMaxTargets: 50,
      clusterMaxExperiments: 5,
    },
    seed: over.seed ?? 7,
  };
}

describe('planExperiment: selection modes', () => {
  it.each([
    ['One', undefined, 10, 1],
    ['All', undefined, 10, 10],
    ['Fixed', 3, 10, 3],
    ['Fixed', 30, 10, 10],
    ['FixedPercent', 50, 10, 5],
    ['FixedPercent', 33, 3, 1],
    ['FixedPercent', 1, 3, 1],
    ['FixedPercent', 100, 7, 7],
  ] as const)('%s %s of %i pods hits %i', (mode, value, n, expected) => {
    const plan = planExperiment(
      input({ spec: spec({ mode, ...(value !== undefined ? { value } : {}) }), pods: pods(n) }),
    );
    expect(plan.ok).toBe(true);
    expect(plan.targets).toHaveLength(expected);
    expect(plan.blastRadius.eligible).toBe(n);
  });

  it('RandomMaxPercent hits between 1 and the percentage', () => {
    const counts = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const plan = planExperiment(input({ spec: spec({ mode: 'RandomMaxPercent', value: 50 }), seed }));
      expect(plan.targets.length).toBeGreaterThanOrEqual(1);
      expect(plan.targets.length).toBeLessThanOrEqual(5);
      counts.add(plan.targets.length);
    }
    expect(counts.size).toBe(5);
  });

  it('only matching, running, not-deleting pods in the selected namespaces are eligible', () => {
    const all: PodInfo[] = [
      ...pods(2),
      { namespace: 'shop', name: 'pending', labels: { app: 'orders' }, phase: 'Pending' },
      { namespace: 'shop', name: 'going', labels: { app: 'orders' }, phase: 'Running', deleting: true },
      { namespace: 'shop', name: 'other', labels: { app: 'users' }, phase: 'Running' },
      { namespace: 'elsewhere', name: 'orders-x', labels: { app: 'orders' }, phase: 'Running' },
    ];
    const plan = planExperiment(input({ spec: spec({ mode: 'All' }), pods: all }));
    expect(plan.targets.map(podKey)).toEqual(['shop/orders-0', 'shop/orders-1']);
    expect(plan.excluded).toEqual([
      { pod: { namespace: 'shop', name: 'going' }, why: 'Deleting' },
      { pod: { namespace: 'shop', name: 'pending' }, why: 'NotRunning' },
    ]);
  });

  it('matchExpressions narrow the selection', () => {
    const all: PodInfo[] = [
      { namespace: 'shop', name: 'a', labels: { app: 'orders', track: 'canary' }, phase: 'Running' },
      { namespace: 'shop', name: 'b', labels: { app: 'orders', track: 'stable' }, phase: 'Running' },
      { namespace: 'shop', name: 'c', labels: { app: 'orders' }, phase: 'Running' },
    ];
    const s = spec({
      mode: 'All',
      selector: {
        labelSelector: {
          matchLabels: { app: 'orders' },
          matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }],
        },
      },
    });
    expect(planExperiment(input({ spec: s, pods: all })).targets.map((p) => p.name)).toEqual(['b', 'c']);
  });
});

describe('planExperiment: safety', () => {
  it.each([
    [['kube-system'], 'ProtectedNamespace', /kube-system is protected/],
    [['homeostat-system'], 'ProtectedNamespace', /protected/],
    [['plain'], 'NamespaceNotOptedIn', /homeostat\.dev\/chaos-enabled="true"/],
    [['ghost'], 'NamespaceNotFound', /ghost does not exist/],
  ] as const)('namespaces %j fail with %s', (namespaces, reason, message) => {
    const plan = planExperiment(
      input({
        spec: spec({ selector: { namespaces, labelSelector: { matchLabels: { app: 'orders' } } } }),
        pods: pods(3, namespaces[0]),
      }),
    );
    expect(plan).toMatchObject({ ok: false, reason, targets: [] });
    expect(plan.message).toMatch(message);
  });

  it('the experiment namespace itself must not be protected', () => {
    const plan = planExperiment({
      ...input({ pods: pods(3, 'kube-system') }),
      experiment: { namespace: 'kube-system', name: 'x', spec: spec() },
    });
    expect(plan.reason).toBe('ProtectedNamespace');
  });

  it('zero matching pods fails with NoTargets', () => {
    const plan = planExperiment(input({ pods: pods(3, 'shop', 'users') }));
    expect(plan).toMatchObject({ ok: false, reason: 'NoTargets' });
    expect(plan.message).toMatch(/matches no running pod in shop/);
  });

  it('per-experiment blast radius: maxPods and maxPercent', () => {
    expect(planExperiment(input({ spec: spec({ mode: 'All', blastRadius: { maxPods: 4 } }) }))).toMatchObject(
      { ok: false, reason: 'BlastRadiusExceeded' },
    );
    const pct = planExperiment(
      input({
        spec: spec({ mode: 'FixedPercent', value: 10, blastRadius: { maxPercent: 10 } }),
        pods: pods(3),
      }),
    );
    expect(pct).toMatchObject({ ok: false, reason: 'BlastRadiusExceeded' });
    expect(pct.message).toMatch(/33\.33%/);
    expect(
      planExperiment(
        input({ spec: spec({ mode: 'Fixed', value: 2, blastRadius: { maxPods: 2, maxPercent: 20 } }) }),
      ).ok,
    ).toBe(true);
  });

  it('cluster-wide limits count other active experiments', () => {
    const active = [{ namespace: 'shop', name: 'other', targets: pods(10, 'x') }];
    const safety = { protectedNamespaces: [], clusterMaxTargets: 12, clusterMaxExperiments: 5 };
    expect(planExperiment(input({ spec: spec({ mode: 'Fixed', value: 3 }), active, safety }))).toMatchObject({
      ok: false,
      reason: 'ClusterBlastRadiusExceeded',
    });
    expect(planExperiment(input({ spec: spec({ mode: 'Fixed', value: 2 }), active, safety })).ok).toBe(true);
    expect(
      planExperiment(
        input({ active, safety: { ...safety, clusterMaxTargets: 100, clusterMaxExperiments: 1 } }),
      ),
    ).toMatchObject({ ok: false, reason: 'ClusterBlastRadiusExceeded' });
  });

  it('pods held by another experiment are conflicts, never targets', () => {
    const active = [{ namespace: 'shop', name: 'latency', targets: pods(10).slice(0, 8) }];
    const plan = planExperiment(input({ spec: spec({ mode: 'All' }), active }));
    expect(plan.targets.map((p) => p.name)).toEqual(['orders-8', 'orders-9']);
    expect(plan.conflicts).toHaveLength(8);
    expect(plan.conflicts[0]).toEqual({
      pod: { namespace: 'shop', name: 'orders-0' },
      experiment: 'shop/latency',
    });
    const none = planExperiment(input({ active: [{ namespace: 'shop', name: 'l', targets: pods(10) }] }));
    expect(none).toMatchObject({ ok: false, reason: 'NoTargets' });
    expect(none.message).toMatch(/already targets of other experiments/);
  });
});

describe('planExperiment: properties', () => {
  const podSet = fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/), { minLength: 1, maxLength: 40 })
    .map((names) =>
      names.map((name) => ({ namespace: 'shop', name, labels: { app: 'orders' }, phase: 'Running' })),
    );
  const mode = fc.oneof(
    fc.constant({ mode: 'One' }),
    fc.constant({ mode: 'All' }),
    fc.record({ mode: fc.constant('Fixed'), value: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ mode: fc.constant('FixedPercent'), value: fc.integer({ min: 1, max: 100 }) }),
    fc.record({ mode: fc.constant('RandomMaxPercent'), value: fc.integer({ min: 1, max: 100 }) }),
  );
  const seed = fc.integer({ min: 0, max: 4_294_967_295 });

  it('same seed and same pods (in any order) give the same targets', () => {
    fc.assert(
      fc.property(podSet, mode, seed, (ps, m, s) => {
        const a = planExperiment(input({ spec: spec(m), pods: ps, seed: s }));
        const b = planExperiment(input({ spec: spec(m), pods: [...ps].reverse(), seed: s }));
        expect(b.targets.map(podKey)).toEqual(a.targets.map(podKey));
      }),
    );
  });

  it('targets are distinct eligible pods, never in a protected namespace, within the mode bounds', () => {
    fc.assert(
      fc.property(podSet, mode, seed, (ps, m, s) => {
        const plan = planExperiment(input({ spec: spec(m), pods: ps, seed: s }));
        expect(plan.ok).toBe(true);
        const keys = plan.targets.map(podKey);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.every((k) => ps.some((p) => podKey(p) === k))).toBe(true);
        expect(plan.targets.length).toBeGreaterThanOrEqual(1);
        expect(plan.targets.length).toBeLessThanOrEqual(ps.length);
        if (m.mode === 'All') expect(plan.targets.length).toBe(ps.length);
        if (m.mode === 'One') expect(plan.targets.length).toBe(1);
        if (m.mode === 'Fixed') expect(plan.targets.length).toBe(Math.min(ps.length, m.value!));
        if (m.mode === 'RandomMaxPercent')
          expect(plan.targets.length).toBeLessThanOrEqual(
            Math.max(1, Math.round((ps.length * m.value!) / 100)),
          );
      }),
    );
  });

  it('no experiment ever targets a protected or non-opted-in namespace', () => {
    fc.assert(
      fc.property(fc.constantFrom('kube-system', 'homeostat-system', 'plain', 'shop'), seed, (ns, s) => {
        const plan = planExperiment(
          input({
            spec: spec({
              mode: 'All',
              selector: { namespaces: [ns], labelSelector: { matchLabels: { app: 'orders' } } },
            }),
            pods: [...pods(5, ns), ...pods(5, 'shop')],
            seed: s,
          }),
        );
        expect(plan.ok).toBe(ns === 'shop');
        expect(plan.targets.every((t) => t.namespace === 'shop')).toBe(true);
      }),
    );
  });

  it('selectTargets spreads over every pod (the shuffle is not biased to the front)', () => {
    const ps = pods(5);
    const hits = new Map<string, number>();
    for (let s = 0; s < 2000; s++) {
      const [t] = selectTargets(ps, 'One', undefined, s);
      hits.set(t.name, (hits.get(t.name) ?? 0) + 1);
    }
    expect(hits.size).toBe(5);
    for (const n of hits.values()) expect(n).toBeGreaterThan(300);
  });
});
