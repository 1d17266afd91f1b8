import { describe, expect, it } from 'vitest';
import { RISK_FEATURES, riskFeatures, riskMinHistory } from './features.ts';
import { sliceSeries } from './series.ts';
import { syntheticService } from './synthetic.ts';

const svc = syntheticService({ days: 1, seed: 5 });
const col = (name: (typeof RISK_FEATURES)[number]) => RISK_FEATURES.indexOf(name);

describe('riskFeatures', () => {
  it('is causal: a row does not change when later data arrives', () => {
    const cut = 900;
    const short = riskFeatures(sliceSeries(svc.series, 0, cut), svc.slo);
    const long = riskFeatures(svc.series, svc.slo);
    const f = RISK_FEATURES.length;
    const r = short.rows - 1;
    expect(Array.from(long.x.subarray(r * f, r * f + f))).toEqual(
      Array.from(short.x.subarray(r * f, r * f + f)),
    );
  });

  it('starts once every window is full and sees a memory ramp as growth', () => {
    const out = riskFeatures(svc.series, svc.slo);
    expect(out.first).toBe(
      riskMinHistory({ shortWindowMinutes: 10, longWindowMinutes: 30, memoryLookbackMinutes: 120 }, 60_000),
    );
    const leak = svc.leakStarts.find((s) => s + 40 < svc.series.times.length && s > out.first);
    expect(leak).toBeDefined();
    const f = RISK_FEATURES.length;
    const row = leak! + 40 - out.first;
    expect(out.x[row * f + col('memoryGrowthPerHour')]).toBeGreaterThan(0.2);
    expect(out.x[row * f + col('memoryAboveRecentLow')]).toBeGreaterThan(0.2);
  });

  it('names bad input: NaN, a gap, a missing SLO', () => {
    const bad = sliceSeries(svc.series, 0, 200);
    bad.latencyP99Ms[7] = Number.NaN;
    expect(() => riskFeatures(bad, svc.slo)).toThrow(/latencyP99Ms\[7\] is NaN/);
    const gap = sliceSeries(svc.series, 0, 200);
    gap.times[50] += 1000;
    expect(() => riskFeatures(gap, svc.slo)).toThrow(/gap or irregular/);
    expect(() => riskFeatures(svc.series, {})).toThrow(/latencyP99Ms or errorRatio/);
  });

  it('gives no rows for a history shorter than its windows', () => {
    expect(riskFeatures(sliceSeries(svc.series, 0, 30), svc.slo).rows).toBe(0);
  });
});
