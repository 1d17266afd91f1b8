import { describe, expect, it } from 'vitest';
import {
  constantProfile,
  expectedRequests,
  ProfileError,
  profileDurationMs,
  replayProfile,
  replayTiming,
  stepProfile,
} from './profiles.ts';
import { parseTrace } from './trace-reader.ts';

const halfHourly = parseTrace(
  [
    't,v',
    '2014-07-01 00:00,1000',
    '2014-07-01 00:30,2000',
    '2014-07-01 01:00,4000',
    '2014-07-01 01:30,500',
  ].join('\n'),
  { source: 'taxi.csv' },
);

describe('time compression', () => {
  it('replays each trace bucket in the given time: 30 minutes in 1 s is 1800x', () => {
    expect(replayTiming(1800, {})).toEqual({ speedup: 1800, bucketSeconds: 1 });
    expect(replayTiming(1800, { bucketSeconds: 2 })).toEqual({ speedup: 900, bucketSeconds: 2 });
    expect(replayTiming(60, { speedup: 120 })).toEqual({ speedup: 120, bucketSeconds: 0.5 });
    expect(replayTiming(1800, { speedup: 1800, bucketSeconds: 1 })).toEqual({
      speedup: 1800,
      bucketSeconds: 1,
    });
  });

  it('refuses contradictory or impossible settings', () => {
    expect(() => replayTiming(1800, { speedup: 60, bucketSeconds: 1 })).toThrow(
      'bucket seconds 1 means a speedup of 1800 for 1800 s buckets, not 60',
    );
    expect(() => replayTiming(1800, { speedup: 0 })).toThrow('speedup must be a number > 0');
    expect(() => replayTiming(1800, { bucketSeconds: -1 })).toThrow(ProfileError);
  });
});

describe('replay profile', () => {
  it('scales the busiest bucket to the peak rate and the others in proportion', () => {
    const profile = replayProfile(halfHourly, { peakRps: 200, bucketSeconds: 2 });
    expect(profile.segments.map((s) => s.rps)).toEqual([50, 100, 200, 25]);
    expect(profile.segments.every((s) => s.durationMs === 2000)).toBe(true);
    expect(profile.segments[1].label).toBe('2014-07-01T00:30:00Z');
    expect(profile.segments[1].trace).toEqual({ timeMs: Date.UTC(2014, 6, 1, 0, 30), value: 2000 });
    expect(profile.replay).toMatchObject({
      source: 'taxi.csv',
      traceIntervalSeconds: 1800,
      speedup: 900,
      bucketSeconds: 2,
      peakValue: 4000,
      rpsPerUnit: 0.05,
      buckets: 4,
    });
    expect(profileDurationMs(profile)).toBe(8000);
    expect(expectedRequests(profile)).toBe((50 + 100 + 200 + 25) * 2);
  });

  it('refuses a window with no traffic at all', () => {
    const silent = parseTrace('t,v\n2024-01-01 00:00,0\n2024-01-01 00:01,0\n');
    expect(() => replayProfile(silent, { peakRps: 10 })).toThrow('every value in the window is 0');
  });
});

describe('constant and step profiles', () => {
  it('build one segment, or one per step', () => {
    expect(constantProfile({ rps: 40, durationSeconds: 30 }).segments).toEqual([
      { label: '40 rps', rps: 40, durationMs: 30_000 },
    ]);
    const steps = stepProfile({ startRps: 100, stepRps: 50, stepSeconds: 10, steps: 4 });
    expect(steps.segments.map((s) => s.rps)).toEqual([100, 150, 200, 250]);
    expect(steps.segments[2].label).toBe('step 3: 200 rps');
    expect(profileDurationMs(steps)).toBe(40_000);
    expect(stepProfile({ startRps: 100, stepRps: -25, stepSeconds: 1, steps: 4 }).segments.at(-1)!.rps).toBe(
      25,
    );
  });

  it('name the setting that is wrong', () => {
    expect(() => constantProfile({ rps: 0, durationSeconds: 1 })).toThrow('rps must be a number > 0, got 0');
    expect(() => stepProfile({ startRps: 10, stepRps: 5, stepSeconds: 1, steps: 1.5 })).toThrow(
      'steps must be a whole number',
    );
    expect(() => stepProfile({ startRps: 10, stepRps: -10, stepSeconds: 1, steps: 3 })).toThrow(
      'step 2 would offer 0 rps',
    );
  });
});
