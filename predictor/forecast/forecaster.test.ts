import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureConfig } from './features.ts';
import { trainForecaster } from './forecaster.ts';
import { fromBundle, loadForecaster, saveForecaster, toBundle } from './model-store.ts';

const HOUR = 3_600_000;
const period = 24;
// A daily cycle with a little deterministic wobble: a tiny series the model can learn in seconds.
const values = Array.from(
  { length: 24 * 12 },
  (_, t) => 100 + 30 * Math.sin((2 * Math.PI * t) / period) + 3 * Math.sin(t * 1.7),
);
const timestamps = values.map((_, t) => Date.UTC(2024, 0, 1) + t * HOUR);
const config: FeatureConfig = {
  horizon: 3,
  stepMs: HOUR,
  lags: 6,
  seasonalPeriods: [period],
  seasonalContext: 2,
  quantiles: [0.5, 0.9],
};
const train = { epochs: 8, batchSize: 32, hiddenUnits: [16], learningRate: 0.01, seed: 7 };

describe('trainForecaster', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'forecaster-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const { forecaster, losses } = await trainForecaster(values, timestamps, config, train);

  it('reduces the pinball loss and forecasts every step with ordered quantiles', async () => {
    expect(losses).toHaveLength(8);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    const f = await forecaster.forecast(values, timestamps);
    expect(f.quantiles).toEqual([0.5, 0.9]);
    expect(f.values).toHaveLength(3);
    for (const [p50, p90] of f.values) {
      expect(Number.isFinite(p50)).toBe(true);
      expect(p90).toBeGreaterThanOrEqual(p50);
    }
    expect(forecaster.meta.modelVersion).toMatch(/^mlp-q-/);
  });

  it('is deterministic for a seed', async () => {
    const again = await trainForecaster(values, timestamps, config, train);
    expect(again.losses).toEqual(losses);
    again.forecaster.dispose();
  });

  it('saves to a directory and loads a model that predicts the same values, with its version', async () => {
    await saveForecaster(forecaster, dir);
    const loaded = await loadForecaster(dir);
    expect(loaded.meta).toEqual(forecaster.meta);
    expect(await loaded.forecast(values, timestamps)).toEqual(await forecaster.forecast(values, timestamps));
    loaded.dispose();
  });

  it('round-trips through a JSON bundle (the ConfigMap form)', async () => {
    const bundle = JSON.parse(JSON.stringify(await toBundle(forecaster)));
    const loaded = await fromBundle(bundle);
    expect(await loaded.forecast(values, timestamps)).toEqual(await forecaster.forecast(values, timestamps));
    loaded.dispose();
  });

  it('reports a corrupt model file or bundle instead of crashing', async () => {
    const weights = join(dir, 'weights.bin');
    await writeFile(weights, (await readFile(weights)).subarray(0, 10));
    await expect(loadForecaster(dir)).rejects.toThrow(/weights.bin has 10 bytes, the manifest needs/);
    await writeFile(join(dir, 'model.json'), '{"format":');
    await expect(loadForecaster(dir)).rejects.toThrow(/cannot read .*model.json/);
    await expect(fromBundle({ format: 'homeostat-forecaster' })).rejects.toThrow(/invalid forecaster bundle/);
  });

  it('says when there is too little history', async () => {
    await expect(
      trainForecaster(values.slice(0, 20), timestamps.slice(0, 20), config, train),
    ).rejects.toThrow(/too little history to train/);
    await expect(forecaster.forecast(values.slice(0, 10), timestamps.slice(0, 10))).rejects.toThrow(
      /forecast needs 26 points of history, got 10/,
    );
  });
});
