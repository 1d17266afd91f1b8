import { describe, expect, it } from 'vitest';
import { detectAnomalies, homeostatNabDetector } from './batch.ts';
import { AnomalyDetector } from './detector.ts';
import { fiveMinuteTimes, gaussianNoise } from './testing-series.ts';

describe('detectAnomalies', () => {
  const values = Array.from(gaussianNoise(600, 3), (n, i) => (i === 400 ? 50 : 10 + n));
  const times = fiveMinuteTimes(600);

  it('gives the same scores as streaming the values one by one, deterministically', () => {
    const detector = new AnomalyDetector();
    const streamed = values.map((v, i) => detector.update(v, times[i]));
    expect(Array.from(detectAnomalies(values, times))).toEqual(streamed);
    expect(detectAnomalies(values, times)).toEqual(detectAnomalies(values, times));
  });

  it('is causal: a later value never changes an earlier score', () => {
    // A short learning period, so the episode novelty scores too.
    const options = { learningLength: 100 };
    const full = detectAnomalies(values, times, options);
    const prefix = detectAnomalies(values.slice(0, 399), times.slice(0, 399), options);
    expect(Array.from(full.slice(0, 399))).toEqual(Array.from(prefix));
  });

  it('rejects values and times of different lengths', () => {
    expect(() => detectAnomalies([1, 2], [0])).toThrow(/2 values but 1 timestamps/);
  });

  it('serves as a NAB detector with scores in [0, 1]', () => {
    const scores = homeostatNabDetector({
      path: 'synthetic/spike.csv',
      values: Float64Array.from(values),
      times,
      probation: 90,
    });
    expect(scores).toHaveLength(600);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores.indexOf(Math.max(...scores))).toBe(400);
  });
});
