import { describe, expect, it } from 'vitest';
import { hpaAutoscaler, predictiveAutoscaler } from './autoscalers.ts';
import { ScalingEvaluationError } from './errors.ts';
import { simulateScaling } from './simulate.ts';
import type { Autoscaler, LoadAt } from './types.ts';

const CAPACITY = 100;
const MIN = 60_000;
const fleet = { capacityPerReplica: CAPACITY, podReadyMs: 60_000, syncMs: 15_000 };
/** 600 req/s for 20 minutes, then a step to 1,500 req/s for 20 minutes, then back. */
const step: LoadAt = (t) => (t >= 20 * MIN && t < 40 * MIN ? 1500 : 600);
const hpa = (maxReplicas = 100) =>
  hpaAutoscaler({ capacityPerReplica: CAPACITY, targetUtilization: 0.7, maxReplicas });
/** A forecast that knows the trace: p90 = the load itself. */
const perfect = (load: LoadAt) => (_now: number, at: number) => ({ p90: load(at), used: true });

function predictive(o: {
  forecast: (now: number, at: number) => { p90: number; used: boolean } | undefined;
  maxReplicas?: number;
  lookaheadMs?: number;
}): Autoscaler {
  return predictiveAutoscaler({
    reactive: hpa(o.maxReplicas),
    forecast: o.forecast,
    replicasForForecast: (p90) => Math.ceil(p90 / CAPACITY),
    lookaheadMs: (v) => o.lookaheadMs ?? v.measuredLeadMs * 1.4 + v.syncMs,
    maxReplicas: o.maxReplicas ?? 100,
  });
}

describe('simulateScaling', () => {
  it('counts ticks, replica-minutes and the per-tick series of a constant load', () => {
    const fixed: Autoscaler = { recommend: () => ({ replicas: 3 }) };
    const { outcome, series } = simulateScaling(() => 200, 0, 10 * MIN, fixed, fleet);
    expect(outcome.evaluatedMinutes).toBe(10);
    expect(outcome.replicaMinutes).toBe(30);
    expect(outcome.overCapacityMinutes).toBe(0);
    expect(outcome.actions).toBe(0);
    expect(series.time).toHaveLength(40);
    expect(series.time[1] - series.time[0]).toBe(15_000);
    expect(Array.from(series.total).every((r) => r === 3)).toBe(true);
    expect(Array.from(series.load).every((l) => l === 200)).toBe(true);
  });

  it('lets the HPA fall behind a step ramp: over capacity until new pods are ready', () => {
    const { outcome, series } = simulateScaling(step, 0, 60 * MIN, hpa(), fleet);
    expect(outcome.overCapacityMinutes).toBeGreaterThan(1);
    expect(outcome.actions).toBeGreaterThan(1);
    // Scaled up, then back down after the step: one direction flip.
    expect(outcome.flips).toBeGreaterThanOrEqual(1);
    const at = (m: number) => Math.round((m * MIN) / 15_000);
    expect(series.ready[at(19)]).toBeLessThan(series.ready[at(35)]);
    expect(series.total[at(35)]).toBeGreaterThanOrEqual(Math.ceil(1500 / 70));
  });

  it('a predictive autoscaler with a perfect forecast is never over capacity', () => {
    const run = simulateScaling(step, 0, 60 * MIN, predictive({ forecast: perfect(step) }), fleet);
    expect(run.outcome.overCapacityMinutes).toBe(0);
    expect(run.outcome.forecastRaisedTicks).toBeGreaterThan(0);
    // Pods were started before the step, not after.
    const before = Math.round((20 * MIN) / 15_000) - 1;
    expect(run.series.total[before]).toBeGreaterThanOrEqual(15);
    expect(run.series.ready[before + 1]).toBeGreaterThanOrEqual(15);
    expect(run.outcome.replicaMinutes).toBeGreaterThan(0);
  });

  it('a forecast never scales down on its own: a low forecast leaves the reactive count', () => {
    const low = () => ({ p90: 0, used: true });
    const withLow = simulateScaling(step, 0, 60 * MIN, predictive({ forecast: low }), fleet);
    const reactive = simulateScaling(step, 0, 60 * MIN, hpa(), fleet);
    for (let i = 0; i < withLow.series.total.length; i++)
      expect(withLow.series.total[i]).toBeGreaterThanOrEqual(reactive.series.total[i]);
    expect(withLow.outcome.forecastRaisedTicks).toBe(0);
  });

  it('a forecast in shadow mode is recorded but not acted on', () => {
    const shadow = (_now: number, at: number) => ({ p90: step(at), used: false });
    const run = simulateScaling(step, 0, 60 * MIN, predictive({ forecast: shadow }), fleet);
    const reactive = simulateScaling(step, 0, 60 * MIN, hpa(), fleet);
    expect(run.outcome.shadowTicks).toBe(run.outcome.forecastTicks);
    expect(run.outcome.forecastTicks).toBe(run.series.time.length);
    expect(run.outcome.forecastRaisedTicks).toBe(0);
    expect(run.outcome.overCapacityMinutes).toBeGreaterThan(0);
    // Stabilization is the same as the HPA's, so without the forecast the counts agree.
    expect(Array.from(run.series.total)).toEqual(Array.from(reactive.series.total));
  });

  it('respects max: a huge forecast stops at maxReplicas', () => {
    const huge = () => ({ p90: 1e9, used: true });
    const run = simulateScaling(step, 0, 30 * MIN, predictive({ forecast: huge, maxReplicas: 12 }), fleet);
    expect(run.outcome.peakReplicas).toBe(12);
    expect(Math.max(...run.series.total)).toBe(12);
  });

  it('a forecast that reads too little ahead comes late', () => {
    const short = predictive({ forecast: perfect(step), lookaheadMs: 0 });
    const run = simulateScaling(step, 0, 60 * MIN, short, fleet);
    expect(run.outcome.overCapacityMinutes).toBeGreaterThan(0);
  });

  it('gives pods started at the same tick the same start-up times in every run (common random numbers)', () => {
    const record = (extra: number) => {
      const started: { createdAt: number; readyAt: number }[] = [];
      let last: readonly { name: string; createdAt: number; readyAt: number }[] = [];
      const scaler: Autoscaler = {
        recommend: (v) => {
          last = v.pods;
          // One run adds `extra` pods early on; both add three at minute 5.
          if (v.t === 60_000) return { replicas: v.pods.length + extra };
          if (v.t === 5 * MIN) return { replicas: v.pods.length + 3 };
          return { replicas: v.pods.length };
        },
      };
      simulateScaling(() => 100, 0, 6 * MIN, scaler, { ...fleet, seed: 3 });
      for (const p of last)
        if (p.createdAt === 5 * MIN) started.push({ createdAt: p.createdAt, readyAt: p.readyAt });
      return started;
    };
    const a = record(0);
    expect(a).toHaveLength(3);
    expect(record(4)).toEqual(a);
    // And the three differ from one another.
    expect(new Set(a.map((p) => p.readyAt)).size).toBe(3);
  });

  it('is deterministic for a seed', () => {
    const a = simulateScaling(step, 0, 60 * MIN, hpa(), { ...fleet, seed: 7 });
    const b = simulateScaling(step, 0, 60 * MIN, hpa(), { ...fleet, seed: 7 });
    expect(a.outcome).toEqual(b.outcome);
  });

  it('rejects bad input with a clear error', () => {
    const fixed: Autoscaler = { recommend: () => ({ replicas: 1 }) };
    expect(() => simulateScaling(step, 0, MIN, fixed, { ...fleet, capacityPerReplica: 0 })).toThrow(
      /capacityPerReplica must be above 0/,
    );
    expect(() => simulateScaling(step, MIN, 0, fixed, fleet)).toThrow(ScalingEvaluationError);
    expect(() => simulateScaling(() => Number.NaN, 0, MIN, fixed, fleet)).toThrow(/not a rate/);
    const broken: Autoscaler = { recommend: () => ({ replicas: 1.5 }) };
    expect(() => simulateScaling(step, 0, MIN, broken, fleet)).toThrow(/recommended 1.5 replicas/);
    expect(() => hpaAutoscaler({ capacityPerReplica: 1, targetUtilization: 0.7, maxReplicas: 0 })).toThrow(
      /replica bounds/,
    );
  });
});
