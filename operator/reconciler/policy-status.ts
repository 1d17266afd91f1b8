// The ResiliencePolicy status the operator writes: conditions (Ready, Paused, MetricsAvailable,
// SLOMet, and ForecastTrusted with the predictor) whose lastTransitionTime moves only when their
// status does, the forecast and failure risk, the observed SLO metrics,
// custom signals, replicas, quarantined pods and the last decisions. Here: what counts as a change
// that matters (written at once) and what only drifts (request rate, latency, their times: refreshed
// in the background, see status-writer.ts), and the merge patch that writes it.
import type { Condition, ResiliencePolicyStatus } from '../../crds/index.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export const CONDITION_TYPES = ['Ready', 'Paused', 'MetricsAvailable', 'SLOMet'] as const;

/** Condition reasons must be CamelCase identifiers; messages are bounded. */
function conditionReason(reason: string): string {
  const r = reason.replace(/[^A-Za-z0-9_,:]/g, '');
  return /^[A-Za-z]/.test(r) ? r.slice(0, 128) : `Reason${r}`.slice(0, 128);
}

/** Keeps lastTransitionTime of conditions whose status did not change (meta.SetStatusCondition). */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number | undefined,
  now: string,
): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now,
      reason: conditionReason(c.reason),
      message: c.message.slice(0, 4096),
    };
  });
}

/** Rounds readings so that noise does not count as a change. */
export function roundReading(v: number | undefined, digits: number): number | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * The status without what only drifts: readings, their times, and condition messages (which quote
 * readings and ages); a condition's status or reason changing is significant.
 */
function significant(status: ResiliencePolicyStatus | undefined): unknown {
  if (!status) return undefined;
  const { observed: _observed, signals, conditions, forecast, risk, ...rest } = status;
  return {
    ...rest,
    // A new forecast every step and a moving risk score are drift; a new model or risk level is not.
    forecast: forecast?.modelVersion,
    risk: risk && { level: risk.level, modelVersion: risk.modelVersion },
    conditions: conditions?.map(({ message: _m, ...c }) => c),
    signals: signals?.map(({ observedAt: _o, value: _v, ...s }) => s),
  };
}

/** Stable JSON for comparison: object keys sorted, undefined dropped. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : value,
  );
}

export type StatusChange = 'none' | 'drift' | 'significant';

export function statusChange(
  current: ResiliencePolicyStatus | undefined,
  next: ResiliencePolicyStatus,
): StatusChange {
  if (canonical(current) === canonical(next)) return 'none';
  if (canonical(significant(current)) !== canonical(significant(next))) return 'significant';
  return 'drift';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * An RFC 7386 merge patch that turns `current` into `next`: changed fields, nested objects
 * recursively, fields that disappear set to null (a merge patch leaves absent fields alone), lists
 * replaced whole.
 */
export function mergePatch(current: unknown, next: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(next)) return next;
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) {
    if (v === undefined) continue;
    if (!(k in current) || current[k] === undefined) patch[k] = v;
    else if (canonical(current[k]) !== canonical(v)) patch[k] = mergePatch(current[k], v);
  }
  for (const [k, v] of Object.entries(current)) if (v !== undefined && next[k] === undefined) patch[k] = null;
  return patch;
}
