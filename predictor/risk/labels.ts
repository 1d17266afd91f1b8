// Labels for the risk model: "the SLO is breached within the next N minutes", from the target's
// own history, and "a fault was injected", from chaos experiments. A row whose future is not yet
// known is NaN and is left out of training.
import { RiskInputError } from './errors.ts';
import { breachedAt, type RiskSeries, type RiskSlo } from './series.ts';

/** A fault a chaos experiment injected into one target, epoch ms. */
export interface FaultInterval {
  /** The target, as `namespace/name`. */
  target: string;
  start: number;
  end: number;
}

/** 1 when the SLO is breached at some step in (i, i + horizonSteps], NaN when that is not yet known. */
export function breachLabels(s: RiskSeries, slo: RiskSlo, horizonSteps: number): Float32Array {
  if (!Number.isInteger(horizonSteps) || horizonSteps < 1)
    throw new RiskInputError(`horizonSteps must be a positive integer, got ${horizonSteps}`);
  const n = s.times.length;
  const y = new Float32Array(n);
  // Steps until the next breach, scanning backwards.
  let nextBreach = Number.POSITIVE_INFINITY;
  for (let i = n - 1; i >= 0; i--) {
    const known = i + horizonSteps < n;
    y[i] = nextBreach - i <= horizonSteps ? 1 : known ? 0 : Number.NaN;
    if (breachedAt(s, slo, i)) nextBreach = i;
  }
  return y;
}

/**
 * Chaos-labelled windows: a row is a failure when a fault of this target is active at its time or
 * starts within `horizonMs` after it (the fault is the breach the model should have seen coming).
 */
export function faultLabels(
  times: readonly number[],
  faults: readonly FaultInterval[],
  target: string,
  horizonMs: number,
): Float32Array {
  const own = faults.filter((f) => f.target === target);
  for (const f of own) {
    if (!Number.isFinite(f.start) || !Number.isFinite(f.end) || f.end < f.start)
      throw new RiskInputError(`fault interval of ${target} [${f.start}, ${f.end}] is not a valid interval`);
  }
  const y = new Float32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    y[i] = own.some((f) => t >= f.start - horizonMs && t <= f.end) ? 1 : 0;
  }
  return y;
}

/** Whether a fault of the target is active at each time (such rows show the fault, not its warning). */
export function inFault(
  times: readonly number[],
  faults: readonly FaultInterval[],
  target: string,
): boolean[] {
  const own = faults.filter((f) => f.target === target);
  return times.map((t) => own.some((f) => t >= f.start && t <= f.end));
}

/** Elementwise maximum; NaN (unknown) stays unknown unless another source says 1. */
export function combineLabels(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new RiskInputError(`label lengths differ: ${a.length} and ${b.length}`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] === 1 || b[i] === 1 ? 1 : Math.max(a[i], b[i]);
  return out;
}
