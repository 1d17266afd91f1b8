// Shared output for benchmarks: a table on stdout and a JSON file under bench/results.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import * as hdr from 'hdr-histogram-js';

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface BenchReport {
  benchmark: string;
  command: string;
  startedAt: string;
  machine: { cpus: number; node: string; platform: string };
  rows: BenchRow[];
  details?: Record<string, unknown>;
}

export function printAndSave(report: BenchReport, file: string): string {
  const table = report.rows.map((r) => ({
    metric: r.metric,
    value: Number.isInteger(r.value) ? r.value : Number(r.value.toFixed(3)),
    unit: r.unit,
    target: r.target ?? '',
    result: r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS',
    note: r.note ?? '',
  }));
  console.log(`\n${report.benchmark}`);
  console.table(table);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to ${path}`);
  return path;
}

/** Latency recorder over an HDR histogram (microsecond resolution, values in milliseconds). */
export class Latencies {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }
  get count(): number {
    return this.h.totalCount;
  }
  p(q: number): number {
    return this.h.getValueAtPercentile(q) / 1000;
  }
  max(): number {
    return this.h.maxValue / 1000;
  }
}

export function machine(): BenchReport['machine'] {
  return { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };
}
