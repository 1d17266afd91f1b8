// `homeostat loadgen replay|constant|step`: open-loop load against the fleet's gateway, with a
// progress bar on terminals, a summary table at the end and the full results as JSON (--out).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SetupError } from './fleet-journeys.ts';
import { runFleetLoad } from './fleet-load.ts';
import { JOURNEY_DESCRIPTIONS, JOURNEY_KINDS, type JourneyMix, MixError, parseMix } from './journey-mix.ts';
import {
  constantProfile,
  type LoadProfile,
  ProfileError,
  profileDurationMs,
  replayProfile,
  stepProfile,
} from './profiles.ts';
import { formatSummary, progressPayload } from './summary.ts';
import {
  MISSING_POLICIES,
  type MissingPolicy,
  readTrace,
  sliceTrace,
  type Trace,
  TraceError,
} from './trace-reader.ts';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

interface CommonOptions {
  gateway: string;
  users?: number;
  mix?: JourneyMix;
  anonymousShare: number;
  declineShare: number;
  seed?: number;
  interval?: number;
  maxInFlight: number;
  timeout: number;
  out?: string;
  progress: boolean;
}

function number(what: string, check: (n: number) => boolean, rule: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new InvalidArgumentError(`${what} must be ${rule}, got "${value}"`);
    return n;
  };
}
const positive = (what: string) => number(what, (n) => n > 0, 'a number > 0');
const wholePositive = (what: string) =>
  number(what, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
const fraction = (what: string) => number(what, (n) => n >= 0 && n <= 1, 'between 0 and 1');

function mixOption(value: string): JourneyMix {
  try {
    return parseMix(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function urlOption(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return url.origin;
  } catch {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL`);
  }
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--gateway <url>', "the fleet's gateway")
        .env('HOMEOSTAT_GATEWAY_URL')
        .default(DEFAULT_GATEWAY_URL)
        .argParser(urlOption),
    )
    .option(
      '--users <n>',
      'virtual users, each signed in once (default: one per 25 rps of peak, at least 10)',
      wholePositive('--users'),
    )
    .option(
      '--mix <weights>',
      `journey weights over the default mix, e.g. "browse=40,order=0"; journeys: ${JOURNEY_KINDS.join(', ')}`,
      mixOption,
    )
    .option(
      '--anonymous-share <0..1>',
      'share of browse/search/product steps sent without a token',
      fraction('--anonymous-share'),
      0.1,
    )
    .option(
      '--decline-share <0..1>',
      'share of orders paid with the always-declined test card',
      fraction('--decline-share'),
      0.02,
    )
    .option(
      '--seed <n>',
      'random seed (arrival times repeat exactly for a seed)',
      number(
        '--seed',
        (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff,
        'a whole number in 0..4294967295',
      ),
    )
    .option(
      '--interval <seconds>',
      'length of a results interval (default 1; a replay bucket for replays)',
      positive('--interval'),
    )
    .option(
      '--max-in-flight <n>',
      'outstanding requests beyond which arrivals are dropped (and counted)',
      wholePositive('--max-in-flight'),
      4096,
    )
    .option('--timeout <ms>', 'per-request timeout', wholePositive('--timeout'), 10_000)
    .option('--out <file>', 'write the full results as JSON')
    .option('--no-progress', 'no progress bar (there is none when stdout is not a terminal)');
}

async function execute(profile: LoadProfile, options: CommonOptions, trace?: Trace): Promise<void> {
  const stopping = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping (Ctrl-C again to quit at once)...\n');
    stopping.abort();
  };
  process.on('SIGINT', onSigint);
  const totalSeconds = Math.ceil(profileDurationMs(profile) / 1000);
  const intervalMs =
    (options.interval ?? (profile.mode === 'replay' ? profile.replay!.bucketSeconds : 1)) * 1000;
  const bar =
    options.progress && process.stdout.isTTY
      ? new SingleBar(
          {
            format:
              '{bar} {value}/{total} s | offered {offered}/s | ok {ok}/s | p99 {p99} ms | errors {errors}',
            hideCursor: true,
          },
          Presets.shades_classic,
        )
      : undefined;
  try {
    process.stderr.write(`signing in virtual users at ${options.gateway}...\n`);
    let barStarted = false;
    const report = await runFleetLoad({
      gatewayUrl: options.gateway,
      profile,
      trace,
      seed: options.seed,
      users: options.users,
      mix: options.mix,
      anonymousShare: options.anonymousShare,
      declineShare: options.declineShare,
      intervalMs,
      maxInFlight: options.maxInFlight,
      timeoutMs: options.timeout,
      signal: stopping.signal,
      onInterval: (interval) => {
        if (!bar) return;
        if (!barStarted) {
          bar.start(totalSeconds, 0, progressPayload(interval));
          barStarted = true;
        }
        bar.update(
          Math.min(totalSeconds, Math.round(interval.startSeconds + interval.durationSeconds)),
          progressPayload(interval),
        );
      },
    });
    bar?.stop();
    console.log(formatSummary(report));
    if (options.out) {
      const path = resolve(options.out);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`results written to ${path}`);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
}

function warnAboutTrace(trace: Trace): void {
  if (trace.badRows.length > 0) {
    process.stderr.write(`${trace.source}: skipped ${trace.badRows.length} bad row(s):\n`);
    for (const row of trace.badRows.slice(0, 10)) process.stderr.write(`  line ${row.line}: ${row.reason}\n`);
    if (trace.badRows.length > 10) process.stderr.write(`  ... and ${trace.badRows.length - 10} more\n`);
  }
  if (trace.filled.length > 0) {
    const gaps = trace.filled.filter((f) => f.cause === 'gap').length;
    process.stderr.write(
      `${trace.source}: filled ${trace.filled.length} bucket(s) without a value (${gaps} gap(s) in the timestamps, ${trace.filled.length - gaps} missing value(s))\n`,
    );
  }
}

/** Bad input and an unreachable fleet end the command with their message, not a stack trace. */
function reportingUsageErrors<A extends unknown[]>(cmd: Command, action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (
        err instanceof TraceError ||
        err instanceof ProfileError ||
        err instanceof SetupError ||
        err instanceof MixError
      )
        cmd.error(`error: ${err.message}`, { exitCode: 1 });
      throw err;
    }
  };
}

export function loadgenCommand(): Command {
  const cmd = new Command('loadgen')
    .description('open-loop load (Poisson arrivals) of shopper journeys against the fleet gateway')
    .addHelpText(
      'after',
      `\nJourneys (each arrival is one request of one virtual user):\n${JOURNEY_KINDS.map((k) => `  ${k.padEnd(14)} ${JOURNEY_DESCRIPTIONS[k]}`).join('\n')}`,
    );

  withCommonOptions(
    cmd
      .command('replay')
      .description(
        'replay a trace (any CSV with a timestamp and a value column), time-compressed, scaled to a peak rate',
      )
      .argument('<trace>', 'CSV file')
      .requiredOption(
        '--peak-rps <n>',
        'the busiest bucket of the window is offered at this rate',
        positive('--peak-rps'),
      )
      .option(
        '--bucket-seconds <s>',
        'replayed seconds per trace bucket (default 1)',
        positive('--bucket-seconds'),
      )
      .option(
        '--speedup <x>',
        'trace seconds per replayed second, instead of --bucket-seconds',
        positive('--speedup'),
      )
      .option('--from <time>', 'first bucket at or after this time (no zone: UTC)')
      .option('--to <time>', 'stop before this time')
      .option('--buckets <n>', 'replay at most this many buckets', wholePositive('--buckets'))
      .option('--time-column <name|index>', 'timestamp column', '0')
      .option('--value-column <name|index>', 'value column', '1')
      .option(
        '--header-lines <n>',
        'lines before the data; the first names the columns',
        number('--header-lines', (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0'),
        1,
      )
      .option('--delimiter <c>', 'field separator', ',')
      .option(
        '--trace-interval <seconds>',
        "the trace's step (default: the most common step in the file)",
        positive('--trace-interval'),
      )
      .addOption(
        new Option('--missing <policy>', 'fill buckets without a value (gaps, NaN)')
          .choices(MISSING_POLICIES as unknown as string[])
          .default('interpolate'),
      )
      .option('--strict', 'refuse the trace at the first bad row instead of skipping it'),
  ).action(
    reportingUsageErrors(cmd, async (path: string, opts: CommonOptions & Record<string, any>) => {
      const full = await readTrace(path, {
        timeColumn: opts.timeColumn,
        valueColumn: opts.valueColumn,
        headerLines: opts.headerLines,
        delimiter: opts.delimiter,
        intervalSeconds: opts.traceInterval,
        missing: opts.missing as MissingPolicy,
        badRows: opts.strict ? 'error' : 'skip',
      });
      const trace = sliceTrace(full, { from: opts.from, to: opts.to, buckets: opts.buckets });
      warnAboutTrace(trace);
      const profile = replayProfile(trace, {
        peakRps: opts.peakRps,
        bucketSeconds: opts.bucketSeconds,
        speedup: opts.speedup,
      });
      await execute(profile, opts, trace);
    }),
  );

  withCommonOptions(
    cmd
      .command('constant')
      .description('a constant mean rate for a while')
      .requiredOption('--rps <n>', 'mean requests per second', positive('--rps'))
      .requiredOption('--duration <seconds>', 'how long', positive('--duration')),
  ).action(
    reportingUsageErrors(cmd, async (opts: CommonOptions & { rps: number; duration: number }) => {
      await execute(constantProfile({ rps: opts.rps, durationSeconds: opts.duration }), opts);
    }),
  );

  withCommonOptions(
    cmd
      .command('step')
      .description('a rate raised in steps, e.g. to find the capacity of a deployment')
      .requiredOption('--start-rps <n>', 'rate of the first step', positive('--start-rps'))
      .requiredOption(
        '--step-rps <n>',
        'added per step (negative steps down)',
        number('--step-rps', () => true, 'a number'),
      )
      .requiredOption('--step-duration <seconds>', 'length of each step', positive('--step-duration'))
      .requiredOption('--steps <n>', 'number of steps', wholePositive('--steps')),
  ).action(
    reportingUsageErrors(
      cmd,
      async (
        opts: CommonOptions & { startRps: number; stepRps: number; stepDuration: number; steps: number },
      ) => {
        await execute(
          stepProfile({
            startRps: opts.startRps,
            stepRps: opts.stepRps,
            stepSeconds: opts.stepDuration,
            steps: opts.steps,
          }),
          opts,
        );
      },
    ),
  );

  return cmd;
}
