// Measurement of a run, from what the operator writes into its ResiliencePolicies' status (read
// through the API, so it works when the engine and the operator are separate processes): time to
// detect (the first decision on a target after injection, or the SLO seen breached), time to heal
// (the SLO met again, or a failing steady-state probe passing again; when the SLO held through the
// whole run, the time to detect), the SLO budget burned, and
// the peaks seen while the fault was active.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { type Condition, type Measurements, parseDuration } from '../../crds/index.ts';

export interface PolicyView {
  namespace: string;
  name: string;
  /** The Deployment the policy targets. */
  target: string;
  sloMet?: Condition;
  decisionTimes: number[];
  errorRatio?: number;
  latencyP99Ms?: number;
  burnRate?: number;
  /** The SLO window; the burn rate spends the whole budget over it. */
  windowMs: number;
}

const DEFAULT_WINDOW_MS = 5 * 60_000;

export interface PolicyObject extends KubernetesObject {
  spec?: { targetRef?: { name?: unknown }; slo?: { window?: unknown } } & Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A loose read of a ResiliencePolicy: the engine must not break on a newer operator's status. */
export function policyView(p: PolicyObject): PolicyView | undefined {
  const namespace = p.metadata?.namespace;
  const name = p.metadata?.name;
  const target = p.spec?.targetRef?.name;
  if (!namespace || !name || typeof target !== 'string') return undefined;
  let windowMs = DEFAULT_WINDOW_MS;
  if (typeof p.spec?.slo?.window === 'string') {
    try {
      windowMs = parseDuration(p.spec.slo.window) || DEFAULT_WINDOW_MS;
    } catch {}
  }
  const status = (p.status ?? {}) as {
    conditions?: Condition[];
    lastDecisions?: { time?: string }[];
    observed?: { errorRatio?: number; latencyP99Ms?: number; errorBudgetBurnRate?: number };
  };
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const view: PolicyView = {
    namespace,
    name,
    target,
    decisionTimes: (Array.isArray(status.lastDecisions) ? status.lastDecisions : [])
      .map((d) => Date.parse(d?.time ?? ''))
      .filter((t) => Number.isFinite(t)),
    windowMs,
  };
  const sloMet = Array.isArray(status.conditions)
    ? status.conditions.find((c) => c?.type === 'SLOMet')
    : undefined;
  if (sloMet) view.sloMet = sloMet;
  const er = num(status.observed?.errorRatio);
  const lat = num(status.observed?.latencyP99Ms);
  const burn = num(status.observed?.errorBudgetBurnRate);
  if (er !== undefined) view.errorRatio = er;
  if (lat !== undefined) view.latencyP99Ms = lat;
  if (burn !== undefined) view.burnRate = burn;
  return view;
}

/** The Deployment a pod belongs to: its ReplicaSet owner's name without the pod-template hash. */
export function deploymentOfPod(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'ReplicaSet');
  if (!owner) return undefined;
  const i = owner.name.lastIndexOf('-');
  return i > 0 ? owner.name.slice(0, i) : undefined;
}

export interface MeasureInput {
  startTime: number;
  now: number;
  previous: Measurements | undefined;
  /** The policies whose targets include a target of the run. */
  policies: readonly PolicyView[];
  /** Time since the previous measurement of this run (0 for the first). */
  sinceLastMs: number;
  /** When a steady-state probe that had been failing passed again. */
  probesHealedAt?: number;
  /** The run is over: what could still change (a breach yet to come) no longer can. */
  final?: boolean;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function measure(input: MeasureInput): Measurements {
  const m: Measurements = { ...(input.previous ?? {}) };
  const { startTime } = input;
  if (m.timeToDetectSeconds === undefined) {
    const times: number[] = [];
    for (const p of input.policies) {
      for (const t of p.decisionTimes) if (t >= startTime) times.push(t);
      if (p.sloMet?.status === 'False') {
        const t = Date.parse(p.sloMet.lastTransitionTime);
        if (t >= startTime) times.push(t);
      }
    }
    if (times.length) m.timeToDetectSeconds = seconds(Math.min(...times) - startTime);
  }
  if (m.timeToHealSeconds === undefined) {
    const candidates: number[] = [];
    if (input.probesHealedAt !== undefined) candidates.push(input.probesHealedAt);
    if (m.timeToDetectSeconds !== undefined) {
      const detectedAt = startTime + m.timeToDetectSeconds * 1000;
      const sloPolicies = input.policies.filter((p) => p.sloMet);
      const healed = sloPolicies.length > 0 && sloPolicies.every((p) => p.sloMet!.status === 'True');
      if (healed) {
        const t = Math.max(...sloPolicies.map((p) => Date.parse(p.sloMet!.lastTransitionTime)));
        if (t >= detectedAt) candidates.push(t);
        // The SLO held through the whole run: there was nothing to restore, so the target was
        // healthy no later than the fault was detected. Known only once the run is over, since
        // a breach could still come while the fault is active.
        else if (input.final) candidates.push(detectedAt);
      }
    }
    if (candidates.length) m.timeToHealSeconds = seconds(Math.min(...candidates) - startTime);
  }
  let burn = 0;
  for (const p of input.policies) {
    if (p.burnRate !== undefined) burn = Math.max(burn, (p.burnRate * input.sinceLastMs) / p.windowMs);
    if (p.errorRatio !== undefined)
      m.peakErrorRatio = Math.max(m.peakErrorRatio ?? 0, Math.min(1, p.errorRatio));
    if (p.latencyP99Ms !== undefined) m.peakLatencyP99Ms = Math.max(m.peakLatencyP99Ms ?? 0, p.latencyP99Ms);
  }
  if (burn > 0 || m.sloBurn !== undefined) m.sloBurn = Math.round(((m.sloBurn ?? 0) + burn) * 1e6) / 1e6;
  return m;
}
