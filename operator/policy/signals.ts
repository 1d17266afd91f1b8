/**
 * Reading signals: freshness of each sample, custom signals with their `for` duration and onNoData,
 * and the SLO verdict. Missing data is never good news: a signal without fresh data is neither
 * healthy nor breached, and is reported so that no destructive action relies on it.
 */
import { compare, type ResiliencePolicySpec, type Signal } from '../../crds/index.ts';
import type {
  Freshness,
  InputValue,
  ObservedSignal,
  Sample,
  SignalMemory,
  TargetSignalName,
  TargetSignals,
} from './types.ts';

export interface Reading {
  value?: number;
  freshness: Freshness;
  observedAt?: number;
}

/** Missing: no value. Stale: marked stale, without a time, or older than maxAgeMs. */
export function read(sample: Sample | undefined, now: number, maxAgeMs: number): Reading {
  if (sample?.value === undefined) return { freshness: 'Missing', observedAt: sample?.observedAt };
  const { value, observedAt } = sample;
  const stale = sample.stale === true || observedAt === undefined || now - observedAt > maxAgeMs;
  return { value, observedAt, freshness: stale ? 'Stale' : 'Fresh' };
}

export function fresh(r: Reading): r is Reading & { value: number } {
  return r.freshness === 'Fresh' && r.value !== undefined;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function inputValue(r: Reading, unit?: string): InputValue {
  return {
    value: r.value ?? null,
    ...(unit === undefined ? {} : { unit }),
    freshness: r.freshness,
    ...(r.observedAt === undefined ? {} : { observedAt: iso(r.observedAt) }),
  };
}

export const UNITS: Record<TargetSignalName, string> = {
  requestRate: 'req/s',
  latencyP50Ms: 'ms',
  latencyP99Ms: 'ms',
  errorRatio: 'ratio',
  availability: 'ratio',
  cpuCores: 'cores',
  memoryBytes: 'bytes',
  queueDepth: 'requests',
};

export type TargetReadings = Record<TargetSignalName, Reading>;

export function readTarget(signals: TargetSignals, now: number, maxAgeMs: number): TargetReadings {
  const out = {} as TargetReadings;
  for (const name of Object.keys(UNITS) as TargetSignalName[]) out[name] = read(signals[name], now, maxAgeMs);
  return out;
}

/**
 * The target signals whose absence freezes destructive actions and scale-down: those the SLO
 * declares, and the request rate when the policy scales.
 */
export function coreSignals(spec: ResiliencePolicySpec): TargetSignalName[] {
  const core: TargetSignalName[] = [];
  if (spec.scaling !== undefined) core.push('requestRate');
  if (spec.slo.latencyP99Ms !== undefined) core.push('latencyP99Ms');
  if (spec.slo.errorRatio !== undefined) core.push('errorRatio');
  if (spec.slo.availability !== undefined) core.push('availability');
  return core;
}

// ---------------------------------------------------------------------------------------------
// Custom signals

export interface CustomSignalResult {
  spec: Signal;
  reading: Reading;
  state: SignalMemory['state'];
  /** The state after onNoData: what the signal means for decisions. */
  effective: 'Ok' | 'Pending' | 'Breached';
  /** onNoData Hold without data: scale-down and destructive actions wait. */
  holding: boolean;
  memory: SignalMemory;
}

/** A custom signal, like a Prometheus alert: the comparison must hold for `for` before it is breached. */
export function evaluateCustomSignal(
  spec: Signal,
  reading: Reading,
  previous: SignalMemory | undefined,
  now: number,
  forMs: number,
): CustomSignalResult {
  let state: SignalMemory['state'];
  let holdsSince = previous?.holdsSince;
  let lastKnown = previous?.lastKnown;
  if (fresh(reading)) {
    if (compare(reading.value, spec.comparison, spec.threshold)) {
      holdsSince ??= now;
      state = now - holdsSince >= forMs ? 'Breached' : 'Pending';
    } else {
      holdsSince = undefined;
      state = 'Ok';
    }
    lastKnown = state;
  } else {
    state = 'NoData';
  }
  const effective =
    state !== 'NoData'
      ? state
      : spec.onNoData === 'Breach'
        ? 'Breached'
        : spec.onNoData === 'Hold'
          ? (lastKnown ?? 'Ok')
          : 'Ok';
  const memory: SignalMemory = {
    state,
    since: previous !== undefined && previous.state === state ? previous.since : now,
    ...(holdsSince === undefined ? {} : { holdsSince }),
    ...(lastKnown === undefined ? {} : { lastKnown }),
  };
  return { spec, reading, state, effective, holding: state === 'NoData' && spec.onNoData === 'Hold', memory };
}

export function observedSignal(r: CustomSignalResult): ObservedSignal {
  return {
    name: r.spec.name,
    state: r.state,
    ...(r.reading.value === undefined ? {} : { value: r.reading.value }),
    since: iso(r.memory.since),
    ...(r.reading.observedAt === undefined ? {} : { observedAt: iso(r.reading.observedAt) }),
  };
}

// ---------------------------------------------------------------------------------------------
// The SLO

export interface SloVerdict {
  breached: boolean;
  /** CamelCase names of what is breached, e.g. LatencyAboveSlo or Signal:saga-compensations. */
  breaches: string[];
  /** SLO signals without fresh data. */
  unknown: TargetSignalName[];
  inputs: Record<string, InputValue>;
}

export function evaluateSlo(
  spec: ResiliencePolicySpec,
  target: TargetReadings,
  custom: readonly CustomSignalResult[],
): SloVerdict {
  const breaches: string[] = [];
  const unknown: TargetSignalName[] = [];
  const inputs: Record<string, InputValue> = {};
  const check = (
    name: TargetSignalName,
    objective: number | undefined,
    breachedWhen: (v: number, o: number) => boolean,
    label: string,
  ) => {
    if (objective === undefined) return;
    const r = target[name];
    inputs[name] = inputValue(r, UNITS[name]);
    inputs[`slo.${name}`] = { value: objective, unit: UNITS[name] };
    if (!fresh(r)) unknown.push(name);
    else if (breachedWhen(r.value, objective)) breaches.push(label);
  };
  check('latencyP99Ms', spec.slo.latencyP99Ms, (v, o) => v > o, 'LatencyAboveSlo');
  check('errorRatio', spec.slo.errorRatio, (v, o) => v > o, 'ErrorsAboveSlo');
  check('availability', spec.slo.availability, (v, o) => v < o, 'AvailabilityBelowSlo');
  for (const c of custom) {
    if (c.spec.action === 'Heal' && c.effective === 'Breached') {
      breaches.push(`Signal:${c.spec.name}`);
      inputs[`signal.${c.spec.name}`] = inputValue(c.reading);
    }
  }
  return { breached: breaches.length > 0, breaches, unknown, inputs };
}
