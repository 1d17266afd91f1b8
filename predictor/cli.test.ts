import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictorCommand } from './cli.ts';
import { allElements, parseXml } from './evaluation/plot/testing-xml.ts';

let dir: string;
let csv: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'predictor-cli-'));
  csv = join(dir, 'load.csv');
  // Ten hours of one-minute load with an hourly cycle.
  const rows = Array.from({ length: 600 }, (_, i) => {
    const t = new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    return `${t},${(100 + 40 * Math.sin((2 * Math.PI * i) / 60) + ((i * 7919) % 11)).toFixed(2)}`;
  });
  await writeFile(csv, `period,count\n${rows.join('\n')}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = undefined;
  const cmd = predictorCommand({ out: (t) => out.push(t), err: (t) => err.push(t), progress: false })
    .exitOverride()
    .configureOutput({ writeErr: (t) => err.push(t), writeOut: (t) => out.push(t) });
  for (const c of cmd.commands) c.exitOverride().configureOutput({ writeErr: (t) => err.push(t) });
  let code = 0;
  try {
    await cmd.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  } finally {
    process.exitCode = undefined;
  }
  return { out: out.join('\n'), err: err.join('\n'), code };
}

describe('homeostat predictor', () => {
  it('trains from a CSV trace into a store, lists the model, and forecasts with its quantiles', async () => {
    const store = `file:${join(dir, 'models')}`;
    const train = await run(
      'train',
      '--csv',
      csv,
      '--target',
      'shop/orders',
      '--store',
      store,
      '--horizon',
      '10',
      '--epochs',
      '2',
    );
    expect(train.err).toBe('');
    expect(train.out).toMatch(/trained shop\/orders on 600 points every 60s/);
    expect(train.out).toMatch(/NRMSE {4}model [\d.]+ \| seasonal-naive [\d.]+ \| Holt-Winters [\d.]+/);
    expect(train.out).toMatch(/risk model: not trained/);
    expect(train.out).toMatch(/stored in directory/);

    const show = await run('show', '--store', store);
    expect(show.out).toMatch(/^target +forecaster +trainedAt +risk +verdict +nrmse/);
    expect(show.out).toMatch(/shop\/orders +mlp-q-2026-01-05T09:59:00.000Z/);

    const fc = await run('forecast', '--csv', csv, '--target', 'shop/orders', '--store', store, '--json');
    expect(fc.code).toBe(0);
    const body = JSON.parse(fc.out) as { modelVersion: string; points: Record<string, number | string>[] };
    expect(body.modelVersion).toMatch(/^mlp-q-/);
    expect(body.points).toHaveLength(10);
    expect(body.points[0].time).toBe('2026-01-05T10:00:00.000Z');
    for (const p of body.points) {
      expect(p.p10).toBeLessThanOrEqual(p.p50 as number);
      expect(p.p50).toBeLessThanOrEqual(p.p90 as number);
    }
  }, 120_000);

  it('backtests a trace against seasonal-naive and Holt-Winters, and plots it', async () => {
    const plot = join(dir, 'backtest.svg');
    const r = await run('eval', '--csv', csv, '--horizon', '10', '--epochs', '2', '--plot', plot);
    expect(r.err).toBe('');
    expect(r.out).toContain(`plot: forecast vs actual written to ${plot}`);
    const svg = parseXml(await readFile(plot, 'utf8'));
    const series = new Map(
      allElements(svg)
        .filter((e) => e.attrs.class === 'series')
        .map((e) => [e.attrs['data-series'], e]),
    );
    expect([...series.keys()]).toEqual([
      'model p10–p90',
      'actual',
      'seasonal-naive',
      'Holt-Winters',
      'model p50',
    ]);
    for (const s of series.values()) expect(s.children[0].attrs.d).toMatch(/^M/);
    const texts = allElements(svg).map((e) => e.text);
    expect(texts).toContain('count');
    expect(
      texts.find((t) => t.startsWith('load.csv: forecast 10 min ahead vs actual (NRMSE model')),
    ).toBeDefined();
    const json = await run(
      'eval',
      '--csv',
      csv,
      '--horizon',
      '10',
      '--epochs',
      '2',
      '--json',
      '--plot',
      plot,
    );
    const body = JSON.parse(json.out) as Record<string, unknown>;
    expect(body.plot).toBe(plot);
    expect(body.series).toBeUndefined();
    expect(body.model).toHaveProperty('nrmse');
    expect(r.out).toMatch(/load\.csv: \d+ points scored/);
    expect(r.out).toMatch(/^forecaster +[\d.]+/m);
    expect(r.out).toMatch(/^seasonal-naive +[\d.]+/m);
    expect(r.out).toMatch(/^Holt-Winters +[\d.]+/m);
    expect(r.out).toMatch(/^verdict: (the operator may act on it|shadow mode) \(.*baselines/m);
  }, 120_000);

  it("plots replicas over time for each autoscaler from the scaling evaluation's series", async () => {
    const time = Array.from({ length: 120 }, (_, i) => Date.UTC(2026, 0, 5) + i * 15_000);
    const ramp = time.map((_, i) => (i < 60 ? 300 : 1500));
    const replicas = (lag: number) => {
      const ready = time.map((_, i) => (i < 60 + lag ? 1 : 3));
      return { ready, total: ready.map((r, i) => (i >= 56 ? 3 : r)) };
    };
    const series = join(dir, 'series.json');
    await writeFile(
      series,
      JSON.stringify({
        capacityPerReplica: 750,
        traces: {
          'ramp trace': {
            from: new Date(time[0]!).toISOString(),
            time,
            loadRps: ramp,
            hpa: replicas(8),
            homeostat: replicas(0),
          },
        },
      }),
    );
    const out = join(dir, 'replica-plots');
    await mkdir(out);
    const r = await run('plot-scaling', '--series', series, '--out', out);
    expect(r.err).toBe('');
    expect(r.out).toContain('replicas over time for ramp trace written to');
    const svg = await readFile(join(out, 'ramp_trace-replicas.svg'), 'utf8');
    const text = allElements(parseXml(svg))
      .map((e) => e.text)
      .join(' ');
    for (const name of ['Homeostat', 'HPA', 'load', 'replicas needed']) expect(text).toContain(name);

    await writeFile(
      series,
      JSON.stringify({
        traces: {
          t: {
            from: 'x',
            time: [1, 2],
            loadRps: [1],
            hpa: { ready: [1, 1], total: [1, 1] },
            homeostat: { ready: [1, 1], total: [1, 1] },
          },
        },
      }),
    );
    const bad = await run('plot-scaling', '--series', series, '--out', out);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/traces\.t\.loadRps: 1 values for 2 times/);
    const missing = await run('plot-scaling', '--series', join(dir, 'nope.json'), '--out', out);
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/--series: cannot read/)]);
  });

  it('names what is wrong with bad input and exits 2', async () => {
    await mkdir(join(dir, 'folder.svg'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['train', '--csv', csv], /--target <namespace\/name> is required/],
      [['train', '--csv', csv, '--target', 'Shop'], /--target must be <namespace>\/<deployment>, got "Shop"/],
      [['train', '--target', 'shop/orders'], /exactly one history source/],
      [['backtest', '--csv', csv, '--horizon', '0'], /--horizon must be a positive whole number, got "0"/],
      [['backtest', '--csv', join(dir, 'nope.csv')], /cannot read the trace/],
      [['backtest', '--csv', csv, '--horizon', '600'], /too little request-rate history/],
      [
        ['eval', '--csv', csv, '--plot', join(dir, 'missing', 'p.svg')],
        /--plot: directory .*missing does not exist/,
      ],
      [
        ['eval', '--csv', csv, '--plot', join(dir, 'p.png')],
        /--plot writes an SVG chart: give a file ending in \.svg/,
      ],
      [['eval', '--csv', csv, '--plot', join(dir, 'folder.svg')], /--plot: .*folder\.svg is a directory/],
      [['show', '--store', 'configmaps'], /--store: unknown model store "configmaps"/],
      [
        ['forecast', '--csv', csv, '--target', 'shop/none', '--store', `file:${dir}`],
        /no forecaster for shop\/none/,
      ],
      [
        ['train', '--prometheus', 'http://127.0.0.1:9', '--target', 'a/b', '--step', 'soon'],
        /--step must be a duration/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.code, args.join(' ')).toBe(2);
    }
  }, 60_000);
});
