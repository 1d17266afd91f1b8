import { describe, expect, it } from 'vitest';
import { minimalExperiment } from '../testing/fixtures.ts';
import {
  ChaosExperimentSpecSchema,
  ChaosExperimentStatusSchema,
  FaultSchema,
  ProbeSchema,
} from './chaos-experiment.ts';

const spec = (extra: Record<string, unknown>) => ({ ...minimalExperiment().spec, ...extra });
const issues = (input: unknown) =>
  ChaosExperimentSpecSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ??
  [];

describe('fault', () => {
  it('parses into a union discriminated by kind, with the settings filled in', () => {
    expect(FaultSchema.parse({ kind: 'PodKill' })).toEqual({
      kind: 'PodKill',
      podKill: { gracePeriodSeconds: 0, useEviction: false },
    });
    expect(FaultSchema.parse({ kind: 'Latency', latency: { latencyMs: 200 } })).toEqual({
      kind: 'Latency',
      latency: { latencyMs: 200, jitterMs: 0, percent: 100 },
    });
    expect(FaultSchema.parse({ kind: 'HttpAbort', httpAbort: { status: 502, percent: 12.5 } })).toEqual({
      kind: 'HttpAbort',
      httpAbort: { status: 502, percent: 12.5 },
    });
  });

  it('rejects settings that do not belong to the kind, and missing ones', () => {
    const bad = FaultSchema.safeParse({ kind: 'HttpAbort', podKill: {}, latency: { latencyMs: 1 } });
    expect(bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'podKill: is only allowed when kind is PodKill',
      'latency: is only allowed when kind is Latency',
      'httpAbort: is required when kind is HttpAbort',
    ]);
  });

  it('bounds status codes, percentages and path filters', () => {
    const abort = (httpAbort: Record<string, unknown>) =>
      FaultSchema.safeParse({ kind: 'HttpAbort', httpAbort }).error?.issues.map((i) => i.path.join('.'));
    expect(abort({ status: 200 })).toEqual(['httpAbort.status']);
    expect(abort({ status: 503, percent: -1 })).toEqual(['httpAbort.percent']);
    expect(abort({ status: 503, paths: ['api/v1'] })).toEqual(['httpAbort.paths.0']);
    expect(abort({ status: 503, methods: ['GET', 'GET'] })).toEqual(['httpAbort.methods.1']);
    expect(abort({ status: 503, methods: ['TRACE'] })).toEqual(['httpAbort.methods.0']);
  });
});

describe('selection', () => {
  it('takes a value exactly for the counting modes', () => {
    expect(issues(spec({ mode: 'All' }))).toEqual([]);
    expect(issues(spec({ mode: 'One', value: 1 }))).toEqual(['value: must not be set when mode is One']);
    expect(issues(spec({ mode: 'Fixed', value: 3 }))).toEqual([]);
    expect(issues(spec({ mode: 'RandomMaxPercent', value: 101 }))).toEqual([
      'value: is a percentage for RandomMaxPercent: at most 100',
    ]);
  });

  it('refuses a Fixed or FixedPercent value beyond the blast radius', () => {
    expect(issues(spec({ mode: 'Fixed', value: 3, blastRadius: { maxPods: 2 } }))).toEqual([
      'value: exceeds blastRadius.maxPods (2)',
    ]);
    expect(issues(spec({ mode: 'FixedPercent', value: 60, blastRadius: { maxPercent: 50 } }))).toEqual([
      'value: exceeds blastRadius.maxPercent (50)',
    ]);
  });

  it('never selects every pod of a namespace', () => {
    expect(issues(spec({ selector: { labelSelector: { matchLabels: {} } } }))).toEqual([
      'selector.labelSelector: must have at least one matchLabels entry or matchExpressions item',
    ]);
    expect(
      issues(spec({ selector: { namespaces: [], labelSelector: { matchLabels: { a: 'b' } } } }))[0],
    ).toMatch(/^selector\.namespaces: Too small/);
  });
});

describe('schedule', () => {
  it('validates the cron expression and time zone', () => {
    expect(issues(spec({ schedule: { cron: '0 3 * * *', timeZone: 'Europe/Berlin' } }))).toEqual([]);
    expect(issues(spec({ schedule: { cron: '0 25 * * *' } }))).toEqual([
      'schedule.cron: invalid cron expression: hour value 25 is out of range 0-23',
    ]);
    expect(issues(spec({ schedule: { cron: 'every night' } }))).toEqual([
      'schedule.cron: must have 5 fields or be a macro such as @daily',
    ]);
    expect(issues(spec({ schedule: { cron: '@daily', timeZone: 'Mars/Olympus' } }))).toEqual([
      'schedule.timeZone: must be an IANA time zone such as "Europe/Berlin"',
    ]);
  });

  it('defaults to forbidding overlapping runs', () => {
    const parsed = ChaosExperimentSpecSchema.parse(spec({ schedule: { cron: '@hourly' } }));
    expect(parsed.schedule).toEqual({ cron: '@hourly', concurrencyPolicy: 'Forbid', suspend: false });
  });
});

describe('steady state and abort conditions', () => {
  it('parses probes into http or promql, never both', () => {
    expect(ProbeSchema.parse({ name: 'ready', http: { url: 'http://gateway/health/ready' } })).toEqual({
      name: 'ready',
      http: { url: 'http://gateway/health/ready', method: 'GET', expectStatus: 200, timeoutMs: 1000 },
    });
    expect(ProbeSchema.safeParse({ name: 'nothing' }).error?.issues[0].message).toBe(
      'set exactly one of http and promql',
    );
    expect(
      ProbeSchema.safeParse({ name: 'x', http: { url: 'gateway/health' } }).error?.issues[0].path,
    ).toEqual(['http', 'url']);
  });

  it('aborts on a steady-state violation unless told otherwise', () => {
    expect(ChaosExperimentSpecSchema.parse(spec({})).abortWhen).toEqual({ steadyStateViolated: true });
    const conditions = [{ name: 'errors', query: 'sum(x)', comparison: 'GreaterThan', threshold: 1 }];
    expect(ChaosExperimentSpecSchema.parse(spec({ abortWhen: { conditions } })).abortWhen.conditions).toEqual(
      [{ ...conditions[0], for: '0s' }],
    );
  });

  it('takes a replayable seed', () => {
    expect(ChaosExperimentSpecSchema.parse(spec({ seed: 42 })).seed).toBe(42);
    expect(issues(spec({ seed: 2 ** 32 }))[0]).toMatch(/^seed: Too big/);
  });
});

describe('status', () => {
  it('accepts what the chaos engine writes', () => {
    const t = '2025-06-01T02:30:00Z';
    const status = {
      phase: 'Completed',
      observedGeneration: 1,
      seed: 42,
      startTime: t,
      endTime: t,
      deadline: t,
      targets: [{ namespace: 'shop', pod: 'orders-1', injectedAt: t, recoveredAt: t }],
      probeResults: [{ name: 'ready', status: 'Passing', checks: 30, failures: 0 }],
      measurements: { timeToDetectSeconds: 4.2, timeToHealSeconds: 31, sloBurn: 0.03 },
      verdict: 'Passed',
      history: [{ startTime: t, endTime: t, phase: 'Completed', verdict: 'Passed', seed: 42 }],
    };
    expect(ChaosExperimentStatusSchema.parse(status)).toEqual(status);
    expect(ChaosExperimentStatusSchema.safeParse({ phase: 'Exploded' }).success).toBe(false);
    expect(
      ChaosExperimentStatusSchema.safeParse({ targets: [status.targets[0], status.targets[0]] }).error
        ?.issues[0].path,
    ).toEqual(['targets', 1]);
  });
});
