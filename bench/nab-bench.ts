// NAB benchmark: scores anomaly detectors on a corpus in the Numenta Anomaly Benchmark's layout
// (data/, labels/combined_windows.json, config/profiles.json) with the TypeScript NAB scorer, one
// normalised score per detector and profile, each profile's threshold optimised over the corpus.
//
// Detectors come two ways:
//   - results already in NAB's format, <results>/<name>/<category>/<name>_<file>.csv (--detector;
//     by default "numenta" when present: the published Numenta HTM scores, which must score as NAB
//     scores them);
//   - a detector function, (series) => anomaly scores in [0, 1], run here over every data file:
//     one registered in DETECTORS below (--run), or any module's export (--module path[#export]).
//
//   npx tsx bench/nab-bench.ts                                  (numenta on bench/data/nab)
//   npx tsx bench/nab-bench.ts --run null --detector numenta    (also NAB's null detector: 0 by definition)
//   npx tsx bench/nab-bench.ts --module ./my-detector.ts#detect --name mine --write-results /tmp/nab-results
//   npx tsx bench/nab-bench.ts --data /path/to/NAB --detector numenta --detector ARTime
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { homeostatNabDetector, ResonanceNovelty } from '../predictor/anomaly/index.ts';
import {
  type AnomalyDetector,
  loadDetectorResults,
  loadNabCorpus,
  nabPaths,
  nullDetector,
  type ProfileScore,
  runDetector,
  scoreDetector,
  writeDetectorResults,
} from '../predictor/evaluation/nab/index.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

/** Detector functions --run can name. */
const DETECTORS: Record<string, AnomalyDetector> = {
  null: nullDetector,
  homeostat: homeostatNabDetector,
  // The ARTime-like signal of homeostat alone, for comparison with the published ARTime.
  resonance: (series) => {
    const novelty = new ResonanceNovelty({ learningLength: Math.max(1, series.probation) });
    return Float64Array.from(series.values, (v) => novelty.update(v));
  },
};

/** What a detector must reach, per profile: the published numbers for numenta, issue 6's targets for ours. */
const TARGETS: Record<string, Record<string, { text: string; pass: (score: number) => boolean }>> = {
  numenta: Object.fromEntries(
    Object.entries({ standard: 69.52, reward_low_FP_rate: 62.88, reward_low_FN_rate: 74.02 }).map(
      ([p, v]) => [p, { text: `${v} ± 0.01 (published)`, pass: (s: number) => Math.abs(s - v) <= 0.01 }],
    ),
  ),
  homeostat: Object.fromEntries(
    Object.entries({ standard: 74, reward_low_FP_rate: 66, reward_low_FN_rate: 79 }).map(([p, v]) => [
      p,
      { text: `>= ${v}`, pass: (s: number) => s >= v },
    ]),
  ),
};

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, 'data/nab') },
    windows: { type: 'string' },
    profiles: { type: 'string' },
    results: { type: 'string' },
    detector: { type: 'string', multiple: true },
    run: { type: 'string', multiple: true },
    module: { type: 'string', multiple: true },
    name: { type: 'string', multiple: true },
    'write-results': { type: 'string' },
    out: { type: 'string', default: 'nab.json' },
  },
});

/** `path#export` (default export when no #): a function (series) => anomaly scores. */
async function importDetector(spec: string): Promise<AnomalyDetector> {
  const [path, exportName = 'default'] = spec.split('#');
  const module = await import(pathToFileURL(resolve(path)).href);
  const detector = module[exportName];
  if (typeof detector !== 'function') {
    throw new Error(`--module ${spec}: export "${exportName}" is not a function (series) => anomaly scores`);
  }
  return detector as AnomalyDetector;
}

interface DetectorOutcome {
  detector: string;
  source: string;
  seconds: number;
  profiles: ProfileScore[];
}

async function main() {
  const startedAt = new Date().toISOString();
  const dataRoot = resolve(args.data);
  const paths = {
    ...nabPaths(dataRoot),
    ...(args.windows ? { windowsFile: resolve(args.windows) } : {}),
    ...(args.profiles ? { profilesFile: resolve(args.profiles) } : {}),
  };
  const resultsDir = resolve(args.results ?? `${dataRoot}/results`);

  const functions: [string, AnomalyDetector][] = [];
  for (const name of args.run ?? []) {
    const detector = DETECTORS[name];
    if (!detector)
      throw new Error(`--run ${name}: no such detector; registered: ${Object.keys(DETECTORS).join(', ')}`);
    functions.push([name, detector]);
  }
  const names = args.name ?? [];
  for (const [k, spec] of (args.module ?? []).entries()) {
    functions.push([
      names[k] ??
        spec
          .split('#')[0]
          .replace(/^.*\//, '')
          .replace(/\.[^.]+$/, ''),
      await importDetector(spec),
    ]);
  }
  // numenta is the reference: scored by default whenever the results directory has it.
  const fromResults = args.detector ?? (existsSync(`${resultsDir}/numenta`) ? ['numenta'] : []);
  if (fromResults.length + functions.length === 0) {
    throw new Error(
      `nothing to score: no ${resultsDir}/numenta; name detectors with --detector, --run or --module`,
    );
  }

  let t = performance.now();
  const corpus = await loadNabCorpus(paths);
  const loadSeconds = (performance.now() - t) / 1000;
  console.log(
    `${corpus.files.length} files, ${corpus.windowCount} windows, profiles ${Object.keys(corpus.profiles).join(', ')}`,
  );

  const outcomes: DetectorOutcome[] = [];
  for (const detector of fromResults) {
    t = performance.now();
    const scores = await loadDetectorResults(resultsDir, detector, corpus);
    const profiles = scoreDetector(corpus, scores);
    outcomes.push({
      detector,
      source: `${resultsDir}/${detector}`,
      seconds: (performance.now() - t) / 1000,
      profiles,
    });
  }
  for (const [name, detector] of functions) {
    const bar = new SingleBar(
      { format: `${name} [{bar}] {value}/{total} files | {file}` },
      Presets.shades_classic,
    );
    bar.start(corpus.files.length, 0, { file: '' });
    t = performance.now();
    const scores = await runDetector(corpus, detector, {
      onFile: (path, done) => bar.update(done, { file: path }),
    });
    bar.stop();
    const profiles = scoreDetector(corpus, scores);
    outcomes.push({
      detector: name,
      source: 'detector function',
      seconds: (performance.now() - t) / 1000,
      profiles,
    });
    if (args['write-results']) {
      await writeDetectorResults(resolve(args['write-results']), name, corpus, scores);
      console.log(`results of ${name} written under ${resolve(args['write-results'], name)}`);
    }
  }

  console.log('\nNormalised NAB scores (detector × profile)');
  console.table(
    Object.fromEntries(
      outcomes.map((o) => [
        o.detector,
        Object.fromEntries(o.profiles.map((p) => [p.profile, round2(p.normalisedScore)])),
      ]),
    ),
  );

  const rows: BenchRow[] = outcomes.flatMap((o) =>
    o.profiles.map((p) => {
      const target = TARGETS[o.detector]?.[p.profile];
      return {
        metric: `${o.detector} ${p.profile}`,
        value: p.normalisedScore,
        unit: 'NAB score',
        target: target?.text,
        pass: target?.pass(p.normalisedScore),
        note: `threshold ${p.threshold}, windows found ${p.windows.detected}/${p.windows.total}, FP rows ${p.counts.fp}`,
      };
    }),
  );
  printAndSave(
    {
      benchmark:
        'NAB: normalised scores per detector and profile (threshold optimised per profile over the corpus)',
      command: `npx tsx bench/nab-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details: {
        corpus: {
          ...paths,
          files: corpus.files.length,
          rows: corpus.files.reduce((n, f) => n + f.values.length, 0),
          windows: corpus.windowCount,
          profiles: corpus.profiles,
          loadSeconds,
        },
        method: {
          probation: 'min(floor(0.15 n), 750) rows per file are not scored',
          threshold:
            'per profile, the best corpus score over every distinct anomaly score (NAB optimizer.py)',
          normalisation: '100 (raw - null) / (perfect - null); null = constant 0.5 at its own best threshold',
        },
        detectors: outcomes.map((o) => ({
          detector: o.detector,
          source: o.source,
          seconds: o.seconds,
          profiles: o.profiles.map((p) => ({
            ...p,
            files: p.files.map((f) => ({
              path: f.path,
              score: f.score,
              windows: f.windows,
              detectedWindows: f.detectedWindows,
              firstDetections: f.firstDetections,
              fp: f.fp,
              fpScore: f.fpScore,
            })),
          })),
        })),
      },
    },
    args.out,
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
