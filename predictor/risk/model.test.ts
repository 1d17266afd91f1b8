import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RiskExample, riskDataset } from './dataset.ts';
import { auc, brier } from './metrics.ts';
import { type RiskModel, trainRiskModel } from './model.ts';
import { loadRiskModel, riskFromBundle, riskToBundle, saveRiskModel } from './store.ts';
import { syntheticService } from './synthetic.ts';

const example = (seed: number, days: number): RiskExample => {
  const s = syntheticService({ days, seed });
  return { target: s.target, series: s.series, slo: s.slo, faults: s.faults };
};

// Three services' histories to learn from; a fourth, never seen, to judge on.
const train = [11, 12, 13].map((seed) => example(seed, 3));
const heldOut = example(99, 3);
let model: RiskModel;

beforeAll(async () => {
  ({ model } = await trainRiskModel(train, { epochs: 15 }));
}, 120_000);
afterAll(() => model?.dispose());

describe('trainRiskModel on a service whose memory leaks precede breaches', () => {
  it('ranks held-out failures well above chance and above a latency threshold', async () => {
    const d = riskDataset([heldOut], { horizonMinutes: 15, tailShare: 0 });
    const p = await model.predictRows(d.x, d.rows);
    const latency = Float32Array.from(d.source, (s) => heldOut.series.latencyP99Ms[s.step]);
    const modelAuc = auc(d.y, p);
    expect(modelAuc).toBeGreaterThan(0.8);
    expect(modelAuc).toBeGreaterThan(auc(d.y, latency));
  });

  it('is calibrated: its Brier score beats always answering the base rate', async () => {
    const d = riskDataset([heldOut], { horizonMinutes: 15, tailShare: 0 });
    const p = await model.predictRows(d.x, d.rows);
    const base = new Float32Array(d.rows).fill(model.meta.baseRate);
    expect(brier(d.y, p)).toBeLessThan(brier(d.y, base));
    const mean = p.reduce((s, v) => s + v, 0) / p.length;
    const share = d.y.reduce((s, v) => s + v, 0) / d.rows;
    expect(Math.abs(mean - share)).toBeLessThan(0.05);
  });

  it('names the leak when it assesses a pod well into one', async () => {
    const svc = syntheticService({ days: 2, seed: 99 });
    const leak = svc.leakStarts.find((s) => s > 200 && s + 60 < svc.series.times.length)!;
    // Just before the end of the leak's ramp, while latency still looks normal.
    let end = leak;
    while (svc.series.memoryBytes[end + 1] > svc.series.memoryBytes[end] * 0.9 && end - leak < 200) {
      if (svc.series.memoryBytes[end] > 0.8 * 512 * 1024 * 1024) break;
      end++;
    }
    const window = { ...svc.series };
    for (const k of Object.keys(window) as (keyof typeof window)[])
      if (Array.isArray(window[k])) (window as any)[k] = (svc.series[k] as number[]).slice(0, end + 1);
    const a = await model.assess(window, svc.slo);
    expect(a.score).toBeGreaterThan(model.meta.baseRate);
    expect(a.reasons.join(' ')).toMatch(/memory/);
    expect(a.modelVersion).toBe(model.meta.modelVersion);
  });

  it('refuses a history with no failure to learn from', async () => {
    const calm = syntheticService({
      days: 1,
      seed: 3,
      leaksPerDay: 0,
      surgesPerDay: 0,
      chaosPerDay: 0,
      spikesPerDay: 0,
    });
    await expect(
      trainRiskModel([{ target: calm.target, series: calm.series, slo: { latencyP99Ms: 10_000 } }]),
    ).rejects.toThrow(/both outcomes/);
  });
});

describe('risk model persistence', () => {
  it('round-trips through a bundle and a file with its version and predictions', async () => {
    const d = riskDataset([heldOut], { horizonMinutes: 15, tailShare: 0 });
    const before = await model.predictRows(d.x.subarray(0, 11 * 50), 50);
    const copy = await riskFromBundle(JSON.parse(JSON.stringify(await riskToBundle(model))));
    expect(copy.meta.modelVersion).toBe(model.meta.modelVersion);
    expect(Array.from(await copy.predictRows(d.x.subarray(0, 11 * 50), 50))).toEqual(Array.from(before));
    copy.dispose();

    const dir = await mkdtemp(join(tmpdir(), 'risk-model-'));
    try {
      const file = join(dir, 'risk.json');
      await saveRiskModel(model, file);
      const loaded = await loadRiskModel(file);
      expect(Array.from(await loaded.predictRows(d.x.subarray(0, 11 * 50), 50))).toEqual(Array.from(before));
      loaded.dispose();
      await writeFile(file, '{"format":"homeostat-risk-model"');
      await expect(loadRiskModel(file)).rejects.toThrow(/cannot read/);
      await writeFile(file, JSON.stringify({ ...(await riskToBundle(model)), weightData: 'AAAA' }));
      await expect(loadRiskModel(file)).rejects.toThrow(/weights have 3 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('trains the same model from the same data and seed', async () => {
    const small = [example(21, 2)];
    const a = await trainRiskModel(small, { hiddenUnits: 0, epochs: 3, seed: 5 });
    const b = await trainRiskModel(small, { hiddenUnits: 0, epochs: 3, seed: 5 });
    const d = riskDataset(small, { horizonMinutes: 15, tailShare: 0 });
    expect(Array.from(await a.model.predictRows(d.x, d.rows))).toEqual(
      Array.from(await b.model.predictRows(d.x, d.rows)),
    );
    a.model.dispose();
    b.model.dispose();
  }, 60_000);
});
