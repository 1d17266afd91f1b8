import { describe, expect, it } from 'vitest';
import { SurpriseLikelihood } from './surprise-likelihood.ts';
import { gaussianNoise } from './testing-series.ts';

const options = { historyLength: 1000, recentLength: 1, minSpread: 0, rarityHalfAt: 10 };

describe('SurpriseLikelihood', () => {
  it('scores typical values near 0 and rarer values higher, beyond any fixed limit', () => {
    const scores = [0, 3, 6, 30].map((raw) => {
      const probe = new SurpriseLikelihood(options);
      for (const n of gaussianNoise(1000, 5)) probe.update(Math.abs(n));
      return probe.update(raw);
    });
    expect(scores[0]).toBe(0);
    expect(scores[1]).toBeGreaterThan(0.1);
    expect(scores[2]).toBeGreaterThan(scores[1]);
    expect(scores[3]).toBeGreaterThan(scores[2]);
    expect(scores[3]).toBeLessThan(1);
  });

  it('uses the spread floor when the history is flat', () => {
    const likelihood = new SurpriseLikelihood({ ...options, minSpread: 1 });
    for (let i = 0; i < 100; i++) likelihood.update(0);
    expect(likelihood.update(0)).toBe(0);
    // One floor-spread above the mean: about 0.5 decades of rarity, a low score.
    expect(likelihood.update(1)).toBeLessThan(0.1);
  });

  it('averages the recent values, so a lone blip counts less than a sustained rise', () => {
    const recent = { ...options, recentLength: 5 };
    const blip = new SurpriseLikelihood(recent);
    const sustained = new SurpriseLikelihood(recent);
    for (const n of gaussianNoise(500, 9)) {
      blip.update(Math.abs(n));
      sustained.update(Math.abs(n));
    }
    let blipScore = blip.update(5);
    for (let i = 0; i < 4; i++) blipScore = blip.update(0.5);
    let sustainedScore = 0;
    for (let i = 0; i < 5; i++) sustainedScore = sustained.update(5);
    expect(sustainedScore).toBeGreaterThan(blipScore);
  });

  it('rejects a negative spread floor', () => {
    expect(() => new SurpriseLikelihood({ ...options, minSpread: -1 })).toThrow(/minSpread/);
  });
});
