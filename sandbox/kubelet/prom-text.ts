// Prometheus text exposition format (version 0.0.4) for metrics computed at scrape time.

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch; the kubelet's /metrics/resource stamps its samples. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'untyped';
  samples: Sample[];
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function escapeHelp(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name "${family.name}"`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([k, v]) => {
        if (!LABEL_NAME.test(k)) throw new Error(`invalid label name "${k}" on ${family.name}`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      const labelText = labels.length ? `{${labels.join(',')}}` : '';
      const ts = sample.timestampMs !== undefined ? ` ${Math.round(sample.timestampMs)}` : '';
      lines.push(`${family.name}${labelText} ${formatValue(sample.value)}${ts}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
