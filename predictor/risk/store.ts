// Saving and loading a risk model with its version: one JSON value (weights base64) that fits a
// ConfigMap or a file. A corrupt or incompatible bundle gets a RiskInputError naming the problem.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { initTf } from '../runtime/index.ts';
import { RiskInputError } from './errors.ts';
import { RISK_FORMAT_VERSION, type RiskMeta, RiskModel } from './model.ts';

export const RISK_BUNDLE_FORMAT = 'homeostat-risk-model';

const metaSchema = z.object({
  formatVersion: z.literal(RISK_FORMAT_VERSION),
  modelVersion: z.string().min(1),
  trainedAt: z.string(),
  horizonMinutes: z.number().positive(),
  features: z.object({
    shortWindowMinutes: z.number().positive(),
    longWindowMinutes: z.number().positive(),
    memoryLookbackMinutes: z.number().positive(),
  }),
  featureNames: z.array(z.string()),
  normalisation: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  platt: z.object({ a: z.number(), b: z.number() }),
  hiddenUnits: z.int().min(0),
  trainedRows: z.number(),
  baseRate: z.number().min(0).max(1),
  calibration: z.object({ rows: z.number(), auc: z.number().nullable(), brier: z.number().nullable() }),
});

const bundleSchema = z.object({
  format: z.literal(RISK_BUNDLE_FORMAT),
  meta: metaSchema,
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(
    z.looseObject({ name: z.string(), shape: z.array(z.number()), dtype: z.enum(['float32', 'int32']) }),
  ),
  weightData: z.base64(),
});

export interface RiskModelBundle {
  format: typeof RISK_BUNDLE_FORMAT;
  meta: RiskMeta;
  modelTopology: Record<string, unknown>;
  weightSpecs: tfTypes.io.WeightsManifestEntry[];
  weightData: string;
}

export async function riskToBundle(model: RiskModel): Promise<RiskModelBundle> {
  const { tf } = await initTf();
  let artifacts: tfTypes.io.ModelArtifacts | undefined;
  await model.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('model save produced no weights');
  const data = Array.isArray(artifacts.weightData)
    ? tf.io.concatenateArrayBuffers(artifacts.weightData)
    : artifacts.weightData;
  // NaN (a calibration set with one class) does not survive JSON; null stands for it.
  const cal = model.meta.calibration;
  return {
    format: RISK_BUNDLE_FORMAT,
    meta: {
      ...model.meta,
      calibration: {
        rows: cal.rows,
        auc: Number.isFinite(cal.auc) ? cal.auc : (null as unknown as number),
        brier: Number.isFinite(cal.brier) ? cal.brier : (null as unknown as number),
      },
    },
    modelTopology: artifacts.modelTopology as Record<string, unknown>,
    weightSpecs: artifacts.weightSpecs,
    weightData: Buffer.from(data).toString('base64'),
  };
}

export async function riskFromBundle(bundle: unknown): Promise<RiskModel> {
  const parsed = bundleSchema.safeParse(bundle);
  if (!parsed.success)
    throw new RiskInputError(`invalid risk model bundle: ${z.prettifyError(parsed.error)}`);
  const b = parsed.data;
  const weights = Buffer.from(b.weightData, 'base64');
  const specs = b.weightSpecs as tfTypes.io.WeightsManifestEntry[];
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, d) => a * d, 1) * 4, 0);
  if (weights.byteLength !== expected)
    throw new RiskInputError(
      `risk model weights have ${weights.byteLength} bytes, the specs need ${expected}`,
    );
  const meta: RiskMeta = {
    ...(b.meta as RiskMeta),
    calibration: {
      rows: b.meta.calibration.rows,
      auc: b.meta.calibration.auc ?? Number.NaN,
      brier: b.meta.calibration.brier ?? Number.NaN,
    },
  };
  const { tf } = await initTf();
  let model: tfTypes.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: b.modelTopology,
        weightSpecs: specs,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
  } catch (err) {
    throw new RiskInputError(`cannot rebuild the risk model: ${(err as Error).message}`);
  }
  try {
    return new RiskModel(model, meta);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Writes the bundle as one JSON file, atomically (write then rename). */
export async function saveRiskModel(model: RiskModel, file: string): Promise<void> {
  const bundle = await riskToBundle(model);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(bundle)}\n`);
  await rename(tmp, file);
}

export async function loadRiskModel(file: string): Promise<RiskModel> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new RiskInputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return riskFromBundle(json);
}
