// The chart ships copies of the generated CRDs and the fleet's manifests (a packaged chart cannot
// reach outside its folder); they must never drift from their sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, checkChartCopies, renderChart, rendererBinary } from '../../charts/index.ts';

// The first render in a fresh clone compiles the Go renderer: give that its own, longer budget.
beforeAll(() => rendererBinary(), 300_000);

const ROOT = join(import.meta.dirname, '../..');
const SYNC =
  'run `npx tsx charts/cli.ts sync-copies` after `npm run crds:generate` or a change to sample-services/manifests';

describe("the chart's copies", () => {
  it('are identical to crds/generated and sample-services/manifests', () => {
    expect(checkChartCopies(), SYNC).toEqual([]);
  });

  it('hold every generated CRD, and the render installs exactly those', async () => {
    const generated = parseAllDocuments(readFileSync(join(ROOT, 'crds/generated/all.yaml'), 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean);
    expect(readdirSync(join(CHART_DIR, 'crds')).sort()).toEqual(
      generated.map((c: any) => `${c.spec.group}_${c.spec.names.plural}.yaml`).sort(),
    );
    const rendered = (await renderChart()).manifests
      .filter((m) => m.object.kind === 'CustomResourceDefinition')
      .map((m) => m.object);
    const byName = (a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name);
    expect(rendered.sort(byName)).toEqual(generated.sort(byName));
  });
});
