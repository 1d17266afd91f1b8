// The Go renderer behaves like `helm template` on a small chart that uses every function and
// values rule the Homeostat chart relies on.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartRenderError, type RenderedChart, renderChart, renderChartNotes } from './render.ts';
import { rendererBinary } from './renderer-binary.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const FIXTURE = join(import.meta.dirname, 'render/testdata/fixture');
const scratch = mkdtempSync(join(tmpdir(), 'homeostat-render-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const find = (r: RenderedChart, kind: string) =>
  r.manifests.find((m) => m.object.kind === kind)!.object as any;
const probe = async (opts: Parameters<typeof renderChart>[0] = {}) =>
  find(await renderChart({ chartDir: FIXTURE, releaseName: 'rel', namespace: 'ns1', ...opts }), 'ConfigMap')
    .data as Record<string, string>;

/** A copy of the fixture with one extra template, for the failure cases. */
function fixtureWith(template: string, content: string): string {
  const dir = mkdtempSync(join(scratch, 'chart-'));
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'templates', template), content);
  return dir;
}

describe('chart renderer', () => {
  it('renders documents in install order, each with its source template, CRDs first', async () => {
    const r = await renderChart({ chartDir: FIXTURE, releaseName: 'rel', namespace: 'ns1' });
    expect(r.manifests.map((m) => [m.object.kind, m.source])).toEqual([
      ['CustomResourceDefinition', 'fixture/crds/widget.yaml'],
      ['Namespace', 'fixture/templates/namespace.yaml'],
      ['ConfigMap', 'fixture/templates/configmap.yaml'],
      ['Deployment', 'fixture/templates/deployment.yaml'],
    ]);
    expect(r.yaml).toMatch(/^---\n# Source: fixture\/crds\/widget.yaml\n/);
    const without = await renderChart({ chartDir: FIXTURE, releaseName: 'rel', includeCrds: false });
    expect(without.manifests.map((m) => m.object.kind)).not.toContain('CustomResourceDefinition');
  });

  it('provides Helm built-ins and template functions', async () => {
    const data = await probe();
    expect(data).toMatchObject({
      required: 'present',
      tpl: 'hello rel',
      lookup: '{}',
      files: 'files/a.yaml;files/b.yaml;',
      fileA: 'a: 1',
      lines: 'alpha+beta',
      ignored: '',
      chart: 'fixture/1.2.3/4.5.6',
      template: 'fixture/templates/configmap.yaml',
      kube: 'v1.32.0',
      hasPolicy: 'true',
      missing: '',
      fromYaml: '3',
      toYaml: 'a: s\nb:\n  - 1\n  - 2',
    });
    const deployment = (
      await renderChart({ chartDir: FIXTURE, releaseName: 'rel', namespace: 'ns1' })
    ).manifests.find((m) => m.object.kind === 'Deployment')!.object;
    expect(deployment.metadata).toMatchObject({
      namespace: 'ns1',
      labels: { app: 'fixture', release: 'rel' },
    });
  });

  it('merges values like helm: chart < files < values < --set < --set-string; null deletes', async () => {
    const file = join(scratch, 'override.yaml');
    writeFileSync(file, 'nested: {override: file, removeMe: null}\nreplicas: 2\nextra: from-file\n');
    const data = await probe({
      valuesFiles: [file],
      values: { extra: 'from-object' },
      set: [
        'replicas=3',
        'list[1]=z',
        'flags={x,y}',
        'big=12345678901',
        'zero=007',
        'on=true',
        'dotted\\.key=1',
      ],
      setString: ['quoted=42'],
    });
    const values = JSON.parse(data['values.json']!);
    expect(values).toMatchObject({
      name: 'from-chart',
      replicas: 3,
      nested: { keep: 'chart', override: 'file' },
      extra: 'from-object',
      // Lists are replaced, not merged: the chart's [a, b] is gone, as with helm.
      list: [null, 'z'],
      flags: ['x', 'y'],
      big: 12345678901,
      zero: '007',
      on: true,
      'dotted.key': 1,
      quoted: '42',
    });
    expect(values.nested).not.toHaveProperty('removeMe');
  });

  it('reports fail and required as Helm does, naming the template and line', async () => {
    await expect(probe({ set: ['failWith=the sky is falling'] })).rejects.toThrow(
      'execution error at (fixture/templates/deployment.yaml:1:29): the sky is falling',
    );
    await expect(probe({ set: ['requiredValue=null'] })).rejects.toThrow(
      /execution error at \(fixture\/templates\/configmap\.yaml:\d+:\d+\): requiredValue is required/,
    );
  });

  it('rejects invalid YAML and documents without a kind, naming the template', async () => {
    const broken = fixtureWith('broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    await expect(renderChart({ chartDir: broken })).rejects.toThrow(
      /YAML parse error on fixture\/templates\/broken\.yaml/,
    );
    const kindless = fixtureWith('kindless.yaml', 'apiVersion: v1\nmetadata: {name: x}\n');
    await expect(renderChart({ chartDir: kindless })).rejects.toThrow(
      /fixture\/templates\/kindless\.yaml: a document has no apiVersion or kind/,
    );
    const unparsable = fixtureWith('bad-syntax.yaml', '{{ if }}\n');
    await expect(renderChart({ chartDir: unparsable })).rejects.toThrow(
      /parse error: fixture\/templates\/bad-syntax\.yaml/,
    );
  });

  it('rejects bad --set syntax, bad release names and env lookups', async () => {
    await expect(probe({ set: ['novalue'] })).rejects.toThrow(ChartRenderError);
    await expect(probe({ set: ['novalue'] })).rejects.toThrow('expected key=value');
    await expect(renderChart({ chartDir: FIXTURE, releaseName: 'Bad_Name' })).rejects.toThrow(
      /release name "Bad_Name"/,
    );
    const env = fixtureWith(
      'env.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ env "HOME" }}}\n',
    );
    await expect(renderChart({ chartDir: env })).rejects.toThrow(/function "env" not defined/);
  });

  it('renders NOTES.txt on request and leaves it out of the manifests', async () => {
    expect(await renderChartNotes({ chartDir: FIXTURE, releaseName: 'rel', set: ['replicas=4'] })).toBe(
      'Installed rel with 4 replica(s).\n',
    );
  });
});
