/**
 * A Prometheus with history: a synthetic service's metrics (the fleet's metric names, pods named as
 * a Deployment's) written as TSDB blocks with promtool, then served by a real Prometheus.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findBinary,
  startTestPrometheus,
  type TestPrometheus,
} from '../../operator/metrics/testing/prometheus-process.ts';
import { type RiskSeries, type SyntheticService, syntheticService } from '../../predictor/index.ts';

export const STEP = 60_000;
const BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, Number.POSITIVE_INFINITY];

export const canBackfill = findBinary('prometheus') !== undefined && findBinary('promtool') !== undefined;

/** The series as the pods would have exported them, in OpenMetrics for promtool. */
export function openMetrics(svc: { series: RiskSeries }, namespace: string, pods: readonly string[]): string {
  const s = svc.series;
  const lines: string[] = [];
  const family = (name: string, sample: (i: number, pod: number) => [string, number][]) => {
    lines.push(`# TYPE ${name} unknown`);
    const rows: Map<string, string[]> = new Map();
    for (let i = 0; i < s.times.length; i++) {
      for (let p = 0; p < pods.length; p++) {
        for (const [labels, v] of sample(i, p)) {
          const key = `${name}{namespace="${namespace}",pod="${pods[p]}"${labels}}`;
          if (!rows.has(key)) rows.set(key, []);
          rows.get(key)!.push(`${key} ${v} ${s.times[i] / 1000}`);
        }
      }
    }
    for (const r of rows.values()) lines.push(...r);
  };
  const cumulative = (f: (i: number) => number) => {
    const out: number[] = [];
    let total = 0;
    for (let i = 0; i < s.times.length; i++) out.push((total += f(i)));
    return out;
  };
  // Each sample's rate holds since the sample before (times may be irregular).
  const share = (i: number) =>
    (s.requestRate[i] * (i === 0 ? s.stepMs : s.times[i] - s.times[i - 1])) / 1000 / pods.length;
  const ok = cumulative((i) => share(i) * (1 - s.errorRatio[i]));
  const bad = cumulative((i) => share(i) * s.errorRatio[i]);
  family('http_requests_total', (i) => [
    [',status="200"', ok[i]],
    [',status="503"', bad[i]],
  ]);
  // Every request in the bucket of the service's p99, so histogram_quantile lands inside it.
  const perBucket = BUCKETS.map((le) => cumulative((i) => (s.latencyP99Ms[i] / 1000 <= le ? share(i) : 0)));
  family('http_request_duration_seconds_bucket', (i) =>
    BUCKETS.map((le, b) => [`,le="${le === Number.POSITIVE_INFINITY ? '+Inf' : le}"`, perBucket[b][i]]),
  );
  family('http_requests_in_flight', (i) => [['', s.saturation[i] * 10]]);
  family('up', () => [['', 1]]);
  family('container_memory_working_set_bytes', (i) => [[',container="app"', s.memoryBytes[i]]]);
  family('process_start_time_seconds', (i) => [['', 1_700_000_000 + s.restarts[i]]]);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `series` as the metrics of `pods` into TSDB blocks under `<dir>/prom/tsdb`, where
 * startTestPrometheus({ dir: `<dir>/prom`, ... }) serves them. The last sample must not be in the
 * future: Prometheus refuses scraped samples older than its newest block.
 */
export function backfillSeries(o: {
  dir: string;
  series: RiskSeries;
  namespace: string;
  pods: readonly string[];
}): string {
  const last = o.series.times.at(-1);
  if (last === undefined) throw new Error('backfill: the series is empty');
  if (last > Date.now())
    throw new Error(`backfill: the series ends in the future (${new Date(last).toISOString()})`);
  mkdirSync(o.dir, { recursive: true });
  const file = join(o.dir, 'history.om');
  writeFileSync(file, openMetrics({ series: o.series }, o.namespace, o.pods));
  const promDir = join(o.dir, 'prom');
  // Blocks as long as the history: promtool writes 2-hour blocks by default, ten times slower.
  const hours = Math.max(2, Math.ceil((last - o.series.times[0]) / 3_600_000) + 2);
  execFileSync(
    'promtool',
    [
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      `--max-block-duration=${hours}h`,
      file,
      join(promDir, 'tsdb'),
    ],
    { stdio: 'pipe', timeout: 60_000 },
  );
  return promDir;
}

/** `hours` of history ending `endMs`, backfilled into a Prometheus started in `dir`. */
export async function prometheusWithHistory(o: {
  dir: string;
  endMs: number;
  hours: number;
  namespace: string;
  pods: readonly string[];
  seed?: number;
}): Promise<{ prometheus: TestPrometheus; svc: SyntheticService }> {
  const svc = syntheticService({
    days: o.hours / 24,
    seed: o.seed ?? 8,
    start: o.endMs - o.hours * 3_600_000 + STEP,
    target: `${o.namespace}/history`,
  });
  const dir = backfillSeries({ dir: o.dir, series: svc.series, namespace: o.namespace, pods: o.pods });
  const prometheus = await startTestPrometheus({ dir, scrapeConfigs: [] });
  return { prometheus, svc };
}
