import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileModelStore } from '../persistence/model-store.ts';
import { sliceSeries, syntheticService } from '../risk/index.ts';
import { SeriesHistory } from '../training/series-history.ts';
import { PredictorRegistry, type PredictorTarget } from './registry.ts';

const svc = syntheticService({ days: 4, seed: 31, target: 'shop/orders' });
const end = svc.series.times.at(-1)!;
const target: PredictorTarget = { namespace: 'shop', name: 'orders', slo: svc.slo, horizonMinutes: 15 };
const history = new SeriesHistory();
history.set(target, svc.series);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'predictor-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PredictorRegistry', () => {
  it('trains a target from history, predicts, stores and reloads its models', async () => {
    const store = new FileModelStore(dir);
    const registry = new PredictorRegistry({ history, store, epochs: 3, trainingDays: 4, now: () => end });
    const report = await registry.train(target);
    expect(report.forecast).toHaveProperty('modelVersion');
    expect(report.risk).toHaveProperty('modelVersion');
    const p = await registry.predict(target);
    expect(p.notes).toEqual([]);
    expect(p.forecast?.points).toHaveLength(15);
    for (const pt of p.forecast!.points) {
      expect(pt.p10).toBeLessThanOrEqual(pt.p50);
      expect(pt.p50).toBeLessThanOrEqual(pt.p90);
    }
    expect(p.forecast?.scorecard.reason).toMatch(/baselines/);
    expect(p.forecast?.confidence).toBeGreaterThanOrEqual(0);
    expect(p.risk?.score).toBeGreaterThanOrEqual(0);
    expect(p.risk?.score).toBeLessThanOrEqual(1);
    const versions = registry.describe(target)!;
    await registry.stop();

    // A new operator process: models come from the store, no training.
    const again = new PredictorRegistry({ history, store, now: () => end });
    const q = await again.predict(target);
    expect(q.forecast?.modelVersion).toBe(versions.forecastModel);
    expect(q.risk?.modelVersion).toBe(versions.riskModel);
    expect(q.scorecard?.beatsBaselines).toBe(versions.scorecard?.beatsBaselines);
    await again.stop();
  }, 180_000);

  it('says why it cannot predict instead of failing: too little history, a corrupt model file', async () => {
    const short = new SeriesHistory();
    short.set(target, sliceSeries(svc.series, 0, 90));
    const registry = new PredictorRegistry({
      history: short,
      trainOnFirstSight: false,
      now: () => svc.series.times[89],
    });
    const report = await registry.train(target);
    expect(report.forecast).toEqual({ error: expect.stringMatching(/too little request-rate history/) });
    expect(report.risk).toEqual({ error: expect.stringMatching(/too little to learn from|both outcomes/) });
    const p = await registry.predict(target);
    expect(p.forecast).toBeUndefined();
    expect(p.notes.join('\n')).toMatch(/no forecast: too little/);
    await registry.stop();

    const broken = join(dir, 'broken');
    const store = new FileModelStore(broken);
    await store.save(target, { forecaster: { format: 'homeostat-forecaster' } });
    await writeFile(join(broken, 'shop', 'orders', 'risk.json'), '{"format": "homeostat-risk-model"}');
    const r2 = new PredictorRegistry({ history, store, trainOnFirstSight: false, now: () => end });
    const q = await r2.predict(target);
    expect(q.notes.join('\n')).toMatch(/stored forecaster unusable: invalid forecaster bundle/);
    expect(q.notes.join('\n')).toMatch(/stored risk model unusable/);
    await r2.stop();
  }, 60_000);
});
