// Saving and loading a forecaster with its version. The bundle is one JSON-serialisable object
// (weights base64) so it fits a ConfigMap; on disk it is model.json plus weights.bin, as TF.js
// lays models out.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { initTf } from '../runtime/index.ts';
import { ForecastInputError } from './errors.ts';
import { checkFeatureConfig } from './features.ts';
import { FORECASTER_FORMAT_VERSION, Forecaster, type ForecasterMeta } from './forecaster.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const metaSchema = z.object({
  formatVersion: z.literal(FORECASTER_FORMAT_VERSION),
  modelVersion: z.string().min(1),
  trainedAt: z.string(),
  config: z.object({
    horizon: z.number(),
    stepMs: z.number(),
    lags: z.number(),
    seasonalPeriods: z.array(z.number()),
    seasonalContext: z.number(),
    quantiles: z.array(z.number()),
  }),
  normalisation: z.object({ mean: z.number(), std: z.number().positive() }),
  trainedPoints: z.number(),
  finalLoss: z.number(),
});

const weightSpecSchema = z.looseObject({
  name: z.string(),
  shape: z.array(z.number()),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
});

const modelFileSchema = z.object({
  format: z.literal('homeostat-forecaster'),
  meta: metaSchema,
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(weightSpecSchema) })),
});

const bundleSchema = z.object({
  format: z.literal('homeostat-forecaster'),
  meta: metaSchema,
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(weightSpecSchema),
  weightData: z.base64(),
});

/** A forecaster as one JSON-serialisable value: what goes into a ConfigMap. */
export interface ForecasterBundle {
  format: 'homeostat-forecaster';
  meta: ForecasterMeta;
  modelTopology: Record<string, unknown>;
  weightSpecs: tfTypes.io.WeightsManifestEntry[];
  /** The weights, base64. */
  weightData: string;
}

/** Captures the model through an in-memory TF.js IOHandler: no file system involved. */
export async function toBundle(forecaster: Forecaster): Promise<ForecasterBundle> {
  const { tf } = await initTf();
  let artifacts: tfTypes.io.ModelArtifacts | undefined;
  await forecaster.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('model save produced no weights');
  const data = Array.isArray(artifacts.weightData)
    ? tf.io.concatenateArrayBuffers(artifacts.weightData)
    : artifacts.weightData;
  return {
    format: 'homeostat-forecaster',
    meta: forecaster.meta,
    modelTopology: artifacts.modelTopology as Record<string, unknown>,
    weightSpecs: artifacts.weightSpecs,
    weightData: Buffer.from(data).toString('base64'),
  };
}

/** Rebuilds a forecaster from a bundle; a malformed or incompatible bundle gets a clear error. */
export async function fromBundle(bundle: unknown): Promise<Forecaster> {
  const parsed = bundleSchema.safeParse(bundle);
  if (!parsed.success)
    throw new ForecastInputError(`invalid forecaster bundle: ${z.prettifyError(parsed.error)}`);
  const b = parsed.data;
  const weights = Buffer.from(b.weightData, 'base64');
  return load(b.meta, b.modelTopology, b.weightSpecs as tfTypes.io.WeightsManifestEntry[], weights);
}

async function load(
  meta: ForecasterMeta,
  modelTopology: Record<string, unknown>,
  weightSpecs: tfTypes.io.WeightsManifestEntry[],
  weights: Buffer,
): Promise<Forecaster> {
  checkFeatureConfig(meta.config);
  const { tf } = await initTf();
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
    return new Forecaster(model, meta);
  } catch (err) {
    throw new ForecastInputError(`cannot rebuild the forecaster model: ${(err as Error).message}`);
  }
}

/** Writes model.json (topology, manifest, meta with version) and weights.bin into `dir`. */
export async function saveForecaster(forecaster: Forecaster, dir: string): Promise<void> {
  const b = await toBundle(forecaster);
  await mkdir(dir, { recursive: true });
  const file = {
    format: b.format,
    meta: b.meta,
    modelTopology: b.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: b.weightSpecs }],
  };
  // Weights first, then the manifest by rename: a reader never sees a manifest without its weights.
  await writeFile(join(dir, WEIGHTS_FILE), Buffer.from(b.weightData, 'base64'));
  const tmp = join(dir, `${MODEL_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify(file)}\n`);
  await rename(tmp, join(dir, MODEL_FILE));
}

export async function loadForecaster(dir: string): Promise<Forecaster> {
  const modelPath = join(dir, MODEL_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(modelPath, 'utf8'));
  } catch (err) {
    throw new ForecastInputError(`cannot read ${modelPath}: ${(err as Error).message}`);
  }
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success) throw new ForecastInputError(`invalid ${modelPath}: ${z.prettifyError(parsed.error)}`);
  const m = parsed.data;
  const weightsPath = join(dir, WEIGHTS_FILE);
  let weights: Buffer;
  try {
    weights = await readFile(weightsPath);
  } catch (err) {
    throw new ForecastInputError(`cannot read ${weightsPath}: ${(err as Error).message}`);
  }
  const specs = m.weightsManifest.flatMap((g) => g.weights) as tfTypes.io.WeightsManifestEntry[];
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, d) => a * d, 1) * 4, 0);
  if (weights.byteLength !== expected) {
    throw new ForecastInputError(
      `${weightsPath} has ${weights.byteLength} bytes, the manifest needs ${expected}`,
    );
  }
  return load(m.meta, m.modelTopology, specs, weights);
}
