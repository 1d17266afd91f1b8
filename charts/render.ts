// Renders a Helm chart without helm: merges the values, checks them against values.schema.json,
// then runs the Go renderer (text/template + sprig, as helm does) for multi-document YAML.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { CHART_DIR } from './paths.ts';
import { rendererBinary } from './renderer-binary.ts';
import { ChartValuesError, checkChartValues } from './values-schema.ts';

const run = promisify(execFile);

export interface ChartRenderOptions {
  /** Chart directory; defaults to charts/homeostat. */
  chartDir?: string;
  /** Release name (default "homeostat"). */
  releaseName?: string;
  /** Release namespace (default "homeostat-system"). */
  namespace?: string;
  /** Values files, merged in order over the chart's values.yaml (helm -f). */
  valuesFiles?: string[];
  /** Values merged after the files (an in-memory values file). */
  values?: Record<string, unknown>;
  /** helm --set arguments, applied after all values files. */
  set?: string[];
  /** helm --set-string arguments, applied last. */
  setString?: string[];
  /** Emit the chart's crds/ first, as `helm template --include-crds` (default true). */
  includeCrds?: boolean;
  /** Kubernetes version for .Capabilities (default 1.32.0). */
  kubeVersion?: string;
  /** Extra API versions for .Capabilities.APIVersions.Has. */
  apiVersions?: string[];
}

export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RenderedManifest {
  /** The template it came from: "homeostat/templates/operator-deployment.yaml". */
  source: string;
  object: KubernetesManifest;
}

export interface RenderedChart {
  /** Multi-document YAML, as `helm template` prints it. */
  yaml: string;
  manifests: RenderedManifest[];
  /** The merged values the templates saw. */
  values: Record<string, unknown>;
}

/** The renderer failed: a template called fail/required, or produced invalid YAML. */
export class ChartRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartRenderError';
  }
}

async function withRenderer<T>(
  opts: ChartRenderOptions,
  fn: (runRenderer: (extra: string[]) => Promise<string>, chartDir: string) => Promise<T>,
): Promise<T> {
  const chartDir = resolve(opts.chartDir ?? CHART_DIR);
  const binary = await rendererBinary();
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-chart-'));
  try {
    const args = [
      `--chart=${chartDir}`,
      `--name=${opts.releaseName ?? 'homeostat'}`,
      `--namespace=${opts.namespace ?? 'homeostat-system'}`,
      `--kube-version=${opts.kubeVersion ?? '1.32.0'}`,
    ];
    for (const f of opts.valuesFiles ?? []) args.push(`-f=${resolve(f)}`);
    if (opts.values) {
      // JSON is YAML: the renderer merges it like any values file. Mode 0600: it may hold secrets.
      const file = join(dir, 'values.json');
      writeFileSync(file, JSON.stringify(opts.values), { mode: 0o600 });
      args.push(`-f=${file}`);
    }
    for (const s of opts.set ?? []) args.push(`--set=${s}`);
    for (const s of opts.setString ?? []) args.push(`--set-string=${s}`);
    for (const v of opts.apiVersions ?? []) args.push(`--api-versions=${v}`);
    const runRenderer = async (extra: string[]) => {
      try {
        const { stdout } = await run(binary, [...args, ...extra], {
          maxBuffer: 256 * 1024 * 1024,
          timeout: 120_000,
        });
        return stdout;
      } catch (e: any) {
        const stderr = String(e.stderr ?? '').trim();
        if (stderr) throw new ChartRenderError(stderr.replace(/^Error: /, ''));
        throw e;
      }
    };
    return await fn(runRenderer, chartDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function validatedValues(
  runRenderer: (extra: string[]) => Promise<string>,
  chartDir: string,
): Promise<Record<string, unknown>> {
  const values = JSON.parse(await runRenderer(['--print-values'])) as Record<string, unknown>;
  const issues = checkChartValues(chartDir, values);
  if (issues.length > 0) throw new ChartValuesError(basename(chartDir), issues);
  return values;
}

function parseManifests(yaml: string): RenderedManifest[] {
  const out: RenderedManifest[] = [];
  // The renderer starts every document with "---" and a "# Source: <template>" line.
  for (const chunk of yaml.split(/^---\n/m)) {
    if (chunk.trim() === '') continue;
    const source = /^# Source: (\S+)/.exec(chunk)?.[1] ?? '';
    const doc = parseDocument(chunk);
    if (doc.errors.length > 0)
      throw new ChartRenderError(`${source}: rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as KubernetesManifest | null;
    if (object) out.push({ source, object });
  }
  return out;
}

/** Renders the chart like `helm template`, after checking the values against values.schema.json. */
export async function renderChart(opts: ChartRenderOptions = {}): Promise<RenderedChart> {
  return withRenderer(opts, async (runRenderer, chartDir) => {
    const values = await validatedValues(runRenderer, chartDir);
    const yaml = await runRenderer(opts.includeCrds === false ? [] : ['--include-crds']);
    return { yaml, manifests: parseManifests(yaml), values };
  });
}

/** The chart's rendered NOTES.txt: what `helm install` prints afterwards. */
export async function renderChartNotes(opts: ChartRenderOptions = {}): Promise<string> {
  return withRenderer(opts, async (runRenderer, chartDir) => {
    await validatedValues(runRenderer, chartDir);
    return runRenderer(['--notes']);
  });
}
