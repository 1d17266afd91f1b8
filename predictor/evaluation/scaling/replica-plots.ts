// Replicas over time for each autoscaler, from the per-tick series the scaling bench saves
// (bench/results/predictive-scaling-series.json): one chart per trace, checked before drawing so a
// hand-edited or foreign file gets an error naming the field, not a broken chart.
import { z } from 'zod';
import { replicasOverTimeChart } from '../plot/index.ts';
import { ScalingEvaluationError } from './errors.ts';

const Replicas = z.object({ ready: z.array(z.number()), total: z.array(z.number()) });

const TraceSeries = z.object({
  from: z.string(),
  time: z.array(z.number()),
  loadRps: z.array(z.number()),
  hpa: Replicas,
  homeostat: Replicas,
  holtWinters: Replicas.optional(),
});

export const ScalingSeriesFile = z.object({
  capacityPerReplica: z.number().positive().optional(),
  syncSeconds: z.number().positive().optional(),
  traces: z.record(z.string(), TraceSeries),
});
export type ScalingSeriesFile = z.infer<typeof ScalingSeriesFile>;

/** The file's content, checked; throws ScalingEvaluationError naming the first bad field. */
export function parseScalingSeries(json: unknown): ScalingSeriesFile {
  const r = ScalingSeriesFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ScalingEvaluationError(`${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  for (const [name, t] of Object.entries(r.data.traces)) {
    const n = t.time.length;
    const lengths = {
      loadRps: t.loadRps.length,
      'hpa.ready': t.hpa.ready.length,
      'homeostat.ready': t.homeostat.ready.length,
    };
    for (const [field, length] of Object.entries(lengths))
      if (length !== n)
        throw new ScalingEvaluationError(`traces.${name}.${field}: ${length} values for ${n} times`);
  }
  return r.data;
}

/** One SVG per trace: each autoscaler's ready (solid) and total (dashed) replicas, and the load. */
export function replicaPlots(
  file: ScalingSeriesFile,
  capacityPerReplica?: number,
): { trace: string; svg: string }[] {
  const capacity = capacityPerReplica ?? file.capacityPerReplica;
  return Object.entries(file.traces).map(([trace, t]) => ({
    trace,
    svg: replicasOverTimeChart({
      title: `${trace}: replicas over time from ${t.from.slice(0, 10)}, Homeostat vs HPA${t.holtWinters ? ' vs Holt-Winters' : ''}`,
      timestamps: t.time,
      load: t.loadRps,
      ...(capacity !== undefined ? { capacityPerReplica: capacity } : {}),
      autoscalers: [
        { name: 'Homeostat', ready: t.homeostat.ready, total: t.homeostat.total },
        { name: 'HPA', ready: t.hpa.ready, total: t.hpa.total },
        ...(t.holtWinters
          ? [{ name: 'Holt-Winters predictive', ready: t.holtWinters.ready, total: t.holtWinters.total }]
          : []),
      ],
    }),
  }));
}
