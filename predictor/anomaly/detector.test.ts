import { describe, expect, it } from 'vitest';
import { AnomalyDetector, DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from './detector.ts';
import { fiveMinuteTimes, gaussianNoise } from './testing-series.ts';

const LENGTH = 3000;
const CHANGE = 2000;
const ALARM = DEFAULT_DETECTOR_OPTIONS.alarmLevel;

/** Scores a series of 10 + noise, changed from CHANGE on by `change(i, noise)`. */
function score(
  change: (i: number, noise: number) => number,
  seed = 7,
  options: Partial<DetectorOptions> = {},
) {
  const noise = gaussianNoise(LENGTH, seed);
  const times = fiveMinuteTimes(LENGTH);
  const detector = new AnomalyDetector(options);
  const scores = Array.from(noise, (n, i) => detector.update(i < CHANGE ? 10 + n : change(i, n), times[i]));
  const before = Math.max(...scores.slice(DEFAULT_DETECTOR_OPTIONS.warmup, CHANGE));
  const after = scores.slice(CHANGE);
  const firstAlarm = after.findIndex((s) => s >= ALARM);
  return { before, after, firstAlarm };
}

describe('AnomalyDetector on synthetic series', () => {
  it('keeps scores of stationary noise low, with at most one alarm per thousand values', () => {
    for (const seed of [1, 2, 3]) {
      const noise = gaussianNoise(LENGTH, seed);
      const times = fiveMinuteTimes(LENGTH);
      const detector = new AnomalyDetector();
      const scores = Array.from(noise, (n, i) => detector.update(10 + n, times[i]));
      const scored = scores.slice(DEFAULT_DETECTOR_OPTIONS.warmup).sort((a, b) => a - b);
      expect(scored[Math.floor(scored.length / 2)]).toBeLessThan(0.05);
      expect(scored[Math.floor(scored.length * 0.99)]).toBeLessThan(0.25);
      expect(scored.filter((s) => s >= ALARM).length).toBeLessThanOrEqual(3);
    }
  });

  it('alarms at once on a spike', () => {
    const { before, firstAlarm, after } = score((i, n) => (i === CHANGE ? 20 : 10 + n));
    expect(firstAlarm).toBe(0);
    expect(after[0]).toBeGreaterThan(before);
  });

  it('alarms soon after a level shift', () => {
    const { firstAlarm } = score((_, n) => 13 + n);
    expect(firstAlarm).toBeGreaterThanOrEqual(0);
    expect(firstAlarm).toBeLessThan(15);
  });

  it('alarms on a variance change', () => {
    const { firstAlarm } = score((_, n) => 10 + 4 * n);
    expect(firstAlarm).toBeGreaterThanOrEqual(0);
    expect(firstAlarm).toBeLessThan(50);
  });

  it('alarms on a slow drift before it has gone far', () => {
    // 0.02 standard deviations per value: 6 sigma after 300 values. (Much slower drifts can go
    // unnoticed: each signal's history absorbs them as they build up.)
    const drift = (i: number, n: number) => 10 + 0.02 * (i - CHANGE) + n;
    const fresh = score(drift, 7, { fatigueStep: 0 }).firstAlarm;
    expect(fresh).toBeGreaterThanOrEqual(0);
    expect(fresh).toBeLessThan(300);
    // The price of alarm fatigue: one false alarm in the noise 570 values earlier still damps the
    // scores a little, and a slowly rising signal takes longer to cross the alarm level.
    const tired = score(drift).firstAlarm;
    expect(tired).toBeGreaterThanOrEqual(fresh);
    expect(tired).toBeLessThan(1000);
  });

  it('learns a daily pattern: its regular jumps score well below a jump at the wrong hour', () => {
    const days = 14;
    const broken = 12;
    const times = fiveMinuteTimes(days * 288);
    const noise = gaussianNoise(days * 288, 11);
    const detector = new AnomalyDetector();
    const scores = Array.from(times, (t, i) => {
      const day = Math.floor(i / 288);
      const hour = (i % 288) / 12;
      const busy = day === broken ? hour >= 3 && hour < 11 : hour >= 9 && hour < 17;
      return detector.update((busy ? 80 : 20) + 0.5 * noise[i], t);
    });
    // From the third day on each regular day's jumps have been seen before.
    const regular = Math.max(...scores.slice(3 * 288, broken * 288));
    const early = Math.max(...scores.slice(broken * 288 + 36, broken * 288 + 48));
    expect(regular).toBeLessThan(0.4);
    expect(early).toBeGreaterThan(regular + 0.2);
  });

  it('silences the scores right after an alarm, so one incident raises one alarm', () => {
    // Without the novelty signals, which mask their own alarms (episode-novelty.test.ts,
    // resonance-novelty.test.ts).
    const { after } = score((i, n) => (i === CHANGE || i === CHANGE + 5 ? 20 : 10 + n), 7, {
      noveltyWeight: 0,
      resonanceWeight: 0,
    });
    expect(after[0]).toBeGreaterThanOrEqual(ALARM);
    expect(after.slice(1, DEFAULT_DETECTOR_OPTIONS.quietLength + 1)).toEqual(
      new Array(DEFAULT_DETECTOR_OPTIONS.quietLength).fill(0),
    );
  });

  it('grows tired of a series that keeps alarming: each repeated alarm scores lower', () => {
    const spikes = [2000, 2200, 2400, 2600];
    const spikeScores = (fatigueStep: number) => {
      const { after } = score((i, n) => (spikes.includes(i) ? 30 : 10 + n), 7, {
        fatigueStep,
        noveltyWeight: 0,
        resonanceWeight: 0,
      });
      return spikes.map((i) => after[i - CHANGE]);
    };
    const tired = spikeScores(0.2);
    const fresh = spikeScores(0);
    expect(tired[0]).toBeGreaterThanOrEqual(ALARM);
    for (let k = 1; k < spikes.length; k++) expect(tired[k]).toBeLessThan(fresh[k]);
    const last = spikes.length - 1;
    expect(tired[last] / fresh[last]).toBeLessThan(tired[0] / fresh[0]);
  });

  it('scores 0 during warm-up and explains each score', () => {
    const detector = new AnomalyDetector({ warmup: 5 });
    const scores = [1, 2, 100, 1, 2].map((v, i) => detector.update(v, i));
    expect(scores).toEqual([0, 0, 0, 0, 0]);
    expect(Object.keys(detector.lastParts()).sort()).toEqual([
      'level',
      'novelty',
      'point',
      'quiet',
      'resonance',
      'shape',
      'spread',
    ]);
  });

  it('handles a flat series and its first change', () => {
    const detector = new AnomalyDetector({ warmup: 10 });
    const flat = Array.from({ length: 300 }, (_, i) => detector.update(5, i * 1000));
    expect(Math.max(...flat)).toBe(0);
    expect(detector.update(6, 300_000)).toBeGreaterThanOrEqual(ALARM);
  });

  it('rejects bad input and bad options with the name of what is wrong', () => {
    const detector = new AnomalyDetector();
    expect(() => detector.update(Number.NaN, 0)).toThrow(/value must be a finite number/);
    expect(() => detector.update(1, Number.POSITIVE_INFINITY)).toThrow(/timestamp must be finite/);
    expect(() => new AnomalyDetector({ forecastAlpha: 2 })).toThrow(/forecastAlpha/);
    expect(() => new AnomalyDetector({ shapeWindow: 0 })).toThrow(/shapeWindow/);
    expect(() => new AnomalyDetector({ learningLength: 0 })).toThrow(/learningLength/);
    expect(() => new AnomalyDetector({ noveltyWeight: 1.5 })).toThrow(/noveltyWeight/);
    expect(() => new AnomalyDetector({ resonanceWeight: -1 })).toThrow(/resonanceWeight/);
    expect(() => new AnomalyDetector({ longSeasonPeriod: -1 })).toThrow(/longSeasonPeriod/);
    expect(() => new AnomalyDetector({ fatigueDecay: 0 })).toThrow(/fatigueDecay/);
    expect(() => new AnomalyDetector({ disabled: ['bogus' as 'point'] })).toThrow(/bogus/);
  });
});
