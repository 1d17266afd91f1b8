// The chart carries copies of files that live elsewhere in the repository, because a packaged
// chart cannot reach outside its directory: the generated CRDs (crds/generated → crds/) and the
// fleet's manifests (sample-services/manifests → files/fleet/). This module lists, checks and
// refreshes those copies; a test fails whenever one has drifted from its source.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CHART_DIR, REPO_ROOT } from './paths.ts';

interface CopiedFolder {
  source: string;
  target: string;
  include(name: string): boolean;
}

const FOLDERS: CopiedFolder[] = [
  {
    source: join(REPO_ROOT, 'crds/generated'),
    target: join(CHART_DIR, 'crds'),
    // all.yaml holds the same CRDs again, in one file.
    include: (name) => name.endsWith('.yaml') && name !== 'all.yaml',
  },
  {
    source: join(REPO_ROOT, 'sample-services/manifests'),
    target: join(CHART_DIR, 'files/fleet'),
    include: (name) => name.endsWith('.yaml'),
  },
];

export interface ChartCopyProblem {
  /** Repository-relative path of the copy. */
  path: string;
  problem: 'missing' | 'differs' | 'extra';
}

const rel = (p: string) => relative(REPO_ROOT, p);
const listYaml = (dir: string, include: (n: string) => boolean) =>
  existsSync(dir) ? readdirSync(dir).filter(include).sort() : [];

/** Every copy that is missing, differs from its source, or has no source any more. */
export function checkChartCopies(): ChartCopyProblem[] {
  const problems: ChartCopyProblem[] = [];
  for (const f of FOLDERS) {
    const sources = listYaml(f.source, f.include);
    if (sources.length === 0) throw new Error(`${rel(f.source)} has no files to copy into the chart`);
    for (const name of sources) {
      const target = join(f.target, name);
      if (!existsSync(target)) problems.push({ path: rel(target), problem: 'missing' });
      else if (!readFileSync(target).equals(readFileSync(join(f.source, name))))
        problems.push({ path: rel(target), problem: 'differs' });
    }
    for (const name of listYaml(f.target, (n) => n.endsWith('.yaml')))
      if (!sources.includes(name)) problems.push({ path: rel(join(f.target, name)), problem: 'extra' });
  }
  return problems;
}

/** Brings every copy up to date; returns the repository-relative paths written or removed. */
export function syncChartCopies(): string[] {
  const changed: string[] = [];
  for (const p of checkChartCopies()) {
    const f = FOLDERS.find((x) => join(REPO_ROOT, p.path).startsWith(x.target))!;
    const target = join(REPO_ROOT, p.path);
    if (p.problem === 'extra') rmSync(target);
    else {
      mkdirSync(f.target, { recursive: true });
      copyFileSync(join(f.source, relative(f.target, target)), target);
    }
    changed.push(p.path);
  }
  return changed;
}
