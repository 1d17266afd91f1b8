/**
 * Properties of the engine over generated targets: replicas stay within [min, max]; steady load
 * does not make replicas flap; nothing destructive happens on missing or stale data; a halt stops
 * everything.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DESTRUCTIVE } from './decision.ts';
import { evaluatePolicy } from './engine.ts';
import { memorySeries, sample, scenario, T0 } from './fixtures.ts';
import type { EngineInput, EngineOptions, PastDecision, PastDecisionInput, PolicyState } from './types.ts';

const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const arbWorld = fc.record({
  replicas: fc.integer({ min: 1, max: 14 }),
  minReplicas: fc.integer({ min: 1, max: 5 }),
  span: fc.integer({ min: 0, max: 10 }),
  capacity: fc.integer({ min: 5, max: 100 }),
  utilization: double(0.3, 1),
  rps: double(0, 3000),
  latency: double(5, 3000),
  errorRatio: double(0, 0.5),
  slowPod: fc.option(fc.nat(13)),
  slowFactor: double(1, 20),
  leakPod: fc.option(fc.nat(13)),
  leakRate: double(0, 50),
  notReadyPod: fc.option(fc.nat(13)),
  notReadySeconds: fc.nat(3600),
  rolloutAgeSeconds: fc.nat(7200),
  newRevisionPods: fc.nat(14),
  quarantinedPod: fc.option(fc.nat(13)),
  quarantineAgeSeconds: fc.nat(3000),
  forecast: fc.option(fc.record({ p90: double(0, 5000), confidence: double(0, 1) })),
  predictive: fc.boolean(),
  mode: fc.constantFrom('Enforce' as const, 'DryRun' as const),
  scalingMode: fc.constantFrom('SloAware' as const, 'Hpa' as const),
  pdb: fc.option(fc.nat(3)),
  pastScaleUp: fc.option(fc.record({ secondsAgo: fc.nat(600), by: fc.integer({ min: 1, max: 5 }) })),
});
type World = typeof arbWorld extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): { input: EngineInput; options: EngineOptions; min: number; max: number } {
  const min = w.minReplicas;
  const max = min + w.span;
  const input = scenario({
    replicas: w.replicas,
    rps: w.rps,
    latency: w.latency,
    errorRatio: w.errorRatio,
    podLatency: (i) => (i === w.slowPod ? w.latency * w.slowFactor : w.latency),
    spec: {
      mode: w.mode,
      scaling: {
        minReplicas: min,
        maxReplicas: max,
        capacityPerReplica: w.capacity,
        targetUtilization: w.utilization,
        predictive: { enabled: w.predictive, leadSeconds: 60 },
      },
    },
  });
  const pods = input.target.pods;
  const d = input.target.deployment;
  d.rolloutStartedAt = T0 - w.rolloutAgeSeconds * 1000;
  pods.forEach((p, i) => {
    p.revision = i < w.newRevisionPods ? '2' : '1';
  });
  const at = (i: number | null) => (i === null || i >= pods.length ? undefined : pods[i]);
  const leaking = at(w.leakPod);
  if (leaking) input.signals!.pods![leaking.name].memorySeries = memorySeries(300, w.leakRate);
  const stuck = at(w.notReadyPod);
  if (stuck) Object.assign(stuck, { ready: false, readyTransitionAt: T0 - w.notReadySeconds * 1000 });
  const quarantined = at(w.quarantinedPod);
  if (quarantined) quarantined.quarantined = { since: T0 - w.quarantineAgeSeconds * 1000 };
  if (w.forecast) {
    input.forecast = {
      generatedAt: T0 - 10_000,
      modelVersion: 'prop',
      confidence: w.forecast.confidence,
      points: [0, 60, 120].map((s) => ({
        time: T0 + s * 1000,
        p50: w.forecast!.p90 / 2,
        p90: w.forecast!.p90,
      })),
    };
  }
  if (w.pdb !== null) input.pdb = { disruptionsAllowed: w.pdb };
  const history: PastDecision[] = [];
  if (w.pastScaleUp) {
    history.push({
      time: T0 - w.pastScaleUp.secondsAgo * 1000,
      action: 'ScaleUp',
      outcome: 'Applied',
      fromReplicas: Math.max(1, w.replicas - w.pastScaleUp.by),
      toReplicas: w.replicas,
    });
  }
  input.history = { decisions: history };
  return { input, options: { scalingMode: w.scalingMode }, min, max };
}

const acted = (outcome: string) => outcome === 'Applied' || outcome === 'DryRun';

describe('engine properties', () => {
  it('every replica count it decides on is within [minReplicas, maxReplicas]', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const { input, options, min, max } = build(w);
        for (const d of evaluatePolicy(input, options).decisions) {
          if (d.toReplicas !== undefined) {
            expect(d.toReplicas).toBeGreaterThanOrEqual(min);
            expect(d.toReplicas).toBeLessThanOrEqual(max);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does nothing destructive and does not scale down on missing or stale data', () => {
    const breakage = fc.record({
      signals: fc.subarray(['requestRate', 'latencyP99Ms', 'errorRatio'] as const, { minLength: 1 }),
      how: fc.constantFrom('missing', 'stale', 'flagged'),
    });
    fc.assert(
      fc.property(arbWorld, breakage, (w, b) => {
        const { input, options } = build(w);
        const target = input.signals!.target!;
        for (const s of b.signals) {
          const value = target[s]?.value;
          target[s] =
            b.how === 'missing'
              ? {}
              : b.how === 'stale'
                ? sample(value, 3600)
                : { ...sample(value), stale: true };
        }
        for (const d of evaluatePolicy(input, options).decisions) {
          // Restarting a pod that is not ready takes no serving capacity and reads no metric.
          const harmless = d.action === 'Restart' && d.rule === 'healing/NotReady';
          if (DESTRUCTIVE.has(d.action) && !harmless)
            expect(acted(d.outcome), `${d.action} ${d.outcome} ${d.message}`).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('carries nothing out during the cluster-wide halt', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const { input, options } = build(w);
        const e = evaluatePolicy({ ...input, halt: { active: true, reason: 'property' } }, options);
        for (const d of e.decisions) {
          expect(acted(d.outcome)).toBe(false);
          if (d.outcome === 'Blocked') expect(d.blockedBy).toBe('ClusterHalt');
        }
        expect(e.observed.paused).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not flap under steady load: replicas move in one direction only', () => {
    const steady = fc.record({
      start: fc.integer({ min: 1, max: 16 }),
      minReplicas: fc.integer({ min: 1, max: 4 }),
      span: fc.integer({ min: 0, max: 10 }),
      rps: double(0, 800),
      latency: double(20, 1000),
      forecastP90: fc.option(double(0, 1500)),
      scalingMode: fc.constantFrom('SloAware' as const, 'Hpa' as const),
    });
    fc.assert(
      fc.property(steady, (s) => {
        const min = s.minReplicas;
        const max = min + s.span;
        let replicas = s.start;
        let state: PolicyState | undefined;
        const history: PastDecisionInput[] = [];
        const directions: number[] = [];
        // 12.5 minutes of evaluations every 15 seconds, each seeing the replicas the last ones set.
        for (let step = 0; step < 50; step++) {
          const now = T0 + step * 15_000;
          const input = scenario({
            now,
            replicas,
            rps: s.rps,
            latency: s.latency,
            spec: {
              scaling: {
                minReplicas: min,
                maxReplicas: max,
                predictive: { enabled: s.forecastP90 !== null, leadSeconds: 60 },
              },
            },
          });
          if (s.forecastP90 !== null) {
            input.forecast = {
              generatedAt: now,
              modelVersion: 'steady',
              confidence: 0.95,
              points: [0, 120].map((t) => ({
                time: now + t * 1000,
                p50: s.forecastP90! / 2,
                p90: s.forecastP90!,
              })),
            };
          }
          const e = evaluatePolicy(
            { ...input, history: { decisions: history.slice(-50), ...(state ? { state } : {}) } },
            { scalingMode: s.scalingMode },
          );
          state = e.state;
          history.push(...e.decisions);
          for (const d of e.decisions) {
            if (
              (d.action === 'ScaleUp' || d.action === 'ScaleDown') &&
              d.outcome === 'Applied' &&
              d.toReplicas !== undefined
            ) {
              directions.push(Math.sign(d.toReplicas - replicas));
              replicas = d.toReplicas;
            }
          }
          if (step > 0) {
            expect(replicas).toBeGreaterThanOrEqual(Math.min(min, s.start));
            expect(replicas).toBeLessThanOrEqual(Math.max(max, s.start));
          }
        }
        const changes = directions.filter((d, i) => i > 0 && d !== directions[i - 1]).length;
        expect(changes, `directions ${directions.join(',')}`).toBe(0);
        expect(replicas).toBeGreaterThanOrEqual(min);
        expect(replicas).toBeLessThanOrEqual(max);
      }),
      { numRuns: 30 },
    );
  });
});
