// The page's state as signals, fed by snapshots and events from the live feed.
import { batch, signal } from '@preact/signals';
import type {
  ControlRecord,
  DecisionView,
  FeedEvent,
  FleetState,
  HaltState,
  PolicySample,
  ResourceView,
  Snapshot,
} from './types.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'stale';

export type TimelineKind =
  | 'fault'
  | 'recovery'
  | 'verdict'
  | 'decision'
  | 'verification'
  | 'control'
  | 'halt';

export interface TimelineEntry {
  key: string;
  time: number;
  kind: TimelineKind;
  title: string;
  detail?: string;
  /** ok, warn or bad: the colour. */
  tone: 'ok' | 'warn' | 'bad' | 'info';
  decisionId?: string;
  /** The service it concerns ("namespace/name"), for chart markers. */
  service?: string;
}

const MAX_DECISIONS = 1000;
const MAX_TIMELINE = 2000;
const MAX_SAMPLES = 720;

export const connection = signal<ConnectionState>('connecting');
export const access = signal<'view' | 'control'>('view');
export const halt = signal<HaltState>({ halted: false });
export const fleet = signal<FleetState>({ observedAt: '', services: [] });
export const policies = signal<Map<string, ResourceView>>(new Map());
export const experiments = signal<Map<string, ResourceView>>(new Map());
export const decisions = signal<DecisionView[]>([]);
export const decisionsAvailable = signal(false);
export const timeline = signal<TimelineEntry[]>([]);
export const samples = signal<Record<string, PolicySample[]>>({});
export const controls = signal<ControlRecord[]>([]);
/** The last sequence number applied, and counters the status bar (and the browser tests) read. */
export const lastSeq = signal(0);
export const epoch = signal('');
export const snapshotsReceived = signal(0);
export const eventsReceived = signal(0);
export const selectedService = signal<string | undefined>(undefined);

const k = (ns: string, name: string) => `${ns}/${name}`;

function decisionEntry(v: DecisionView): TimelineEntry {
  const d = v.decision;
  const tone =
    d.outcome === 'Failed' ? 'bad' : d.outcome === 'Blocked' || d.outcome === 'Skipped' ? 'warn' : 'info';
  const change =
    d.toReplicas !== undefined ? ` ${d.fromReplicas ?? '?'}→${d.toReplicas}` : d.pod ? ` ${d.pod}` : '';
  return {
    key: `d:${d.id}`,
    time: Date.parse(d.time),
    kind: 'decision',
    title: `${d.action}${change} (${d.outcome}) ${d.target.namespace}/${d.target.name}`,
    detail: `${d.reason}${d.blockedBy ? ` · blocked by ${d.blockedBy}` : ''}: ${d.message}`,
    tone,
    decisionId: d.id,
    service: k(d.target.namespace, d.target.name),
  };
}

function verificationEntry(v: DecisionView): TimelineEntry | undefined {
  const ver = v.verification;
  if (!ver) return undefined;
  return {
    key: `v:${ver.decisionId}`,
    time: Date.parse(ver.checkedAt),
    kind: 'verification',
    title: `${ver.verdict}: ${v.decision.action} on ${v.decision.target.name}`,
    ...(ver.message ? { detail: ver.message } : {}),
    tone: ver.verdict === 'Recovered' ? 'ok' : ver.verdict === 'NotRecovered' ? 'bad' : 'warn',
    decisionId: ver.decisionId,
    service: k(v.decision.target.namespace, v.decision.target.name),
  };
}

function controlEntry(c: ControlRecord): TimelineEntry {
  const target = c.target ? ` ${c.target.namespace ? `${c.target.namespace}/` : ''}${c.target.name}` : '';
  return {
    key: `c:${c.id}`,
    time: Date.parse(c.time),
    kind: 'control',
    title: `${c.action}${target} by ${c.by}${c.outcome === 'Failed' ? ' (failed)' : ''}`,
    ...(c.reason || c.error ? { detail: [c.reason, c.error].filter(Boolean).join(' · ') } : {}),
    tone: c.outcome === 'Failed' ? 'bad' : 'info',
  };
}

/** A Deployment's pods are named <deployment>-<template hash>-<suffix>. */
function serviceOfPod(namespace: string, pod: string): string {
  return k(namespace, pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''));
}

/** Faults, recoveries and verdicts of an experiment, from its status (so a snapshot shows them too). */
function experimentEntries(e: ResourceView): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const fault = e.spec?.fault?.kind ?? 'fault';
  for (const t of (e.status?.targets ?? []) as {
    namespace: string;
    pod: string;
    injectedAt?: string;
    recoveredAt?: string;
  }[]) {
    if (t.injectedAt)
      out.push({
        key: `f:${e.namespace}/${e.name}/${t.pod}/${t.injectedAt}`,
        time: Date.parse(t.injectedAt),
        kind: 'fault',
        title: `${fault} injected into ${t.namespace}/${t.pod}`,
        detail: `experiment ${e.namespace}/${e.name}`,
        tone: 'bad',
        service: serviceOfPod(t.namespace, t.pod),
      });
    if (t.recoveredAt)
      out.push({
        key: `r:${e.namespace}/${e.name}/${t.pod}/${t.recoveredAt}`,
        time: Date.parse(t.recoveredAt),
        kind: 'recovery',
        title: `${fault} removed from ${t.namespace}/${t.pod}`,
        detail: `experiment ${e.namespace}/${e.name}`,
        tone: 'ok',
        service: serviceOfPod(t.namespace, t.pod),
      });
  }
  if (e.status?.verdict) {
    const at = e.status.completedAt ?? e.status.finishedAt ?? e.status.lastTransitionTime ?? e.createdAt;
    out.push({
      key: `x:${e.namespace}/${e.name}/${e.status.verdict}/${at ?? ''}`,
      time: at ? Date.parse(at) : Date.now(),
      kind: 'verdict',
      title: `Experiment ${e.name}: ${e.status.verdict} (${e.status.phase ?? ''})`,
      ...(e.status.message ? { detail: String(e.status.message) } : {}),
      tone: e.status.verdict === 'Passed' ? 'ok' : e.status.verdict === 'Failed' ? 'bad' : 'warn',
    });
  }
  return out;
}

function mergeTimeline(current: TimelineEntry[], add: TimelineEntry[]): TimelineEntry[] {
  if (add.length === 0) return current;
  const byKey = new Map(current.map((e) => [e.key, e]));
  for (const e of add) byKey.set(e.key, e);
  return [...byKey.values()].sort((a, b) => b.time - a.time).slice(0, MAX_TIMELINE);
}

function appendSample(key: string, status: any): void {
  const o = status?.observed;
  const t = o?.sampledAt ? Date.parse(o.sampledAt) : Number.NaN;
  if (!Number.isFinite(t)) return;
  const list = samples.value[key] ?? [];
  if (list.length > 0 && list[list.length - 1].t >= t) return;
  const s: PolicySample = { t };
  if (o.requestRate !== undefined) s.requestRate = o.requestRate;
  if (o.latencyP99Ms !== undefined) s.latencyP99Ms = o.latencyP99Ms;
  if (o.errorRatio !== undefined) s.errorRatio = o.errorRatio;
  if (status.replicas !== undefined) s.replicas = status.replicas;
  if (status.risk?.score !== undefined) s.risk = status.risk.score;
  const points = (status.forecast?.points ?? []) as {
    time: string;
    requestRate: number;
    lower: number;
    upper: number;
  }[];
  let best: (typeof points)[number] | undefined;
  for (const p of points)
    if (!best || Math.abs(Date.parse(p.time) - t) < Math.abs(Date.parse(best.time) - t)) best = p;
  if (best) s.forecast = { median: best.requestRate, lower: best.lower, upper: best.upper };
  samples.value = { ...samples.value, [key]: [...list, s].slice(-MAX_SAMPLES) };
}

export function applySnapshot(seq: number, ep: string, s: Snapshot): void {
  batch(() => {
    halt.value = s.halt;
    fleet.value = s.fleet;
    policies.value = new Map(s.policies.map((p) => [k(p.namespace, p.name), p]));
    experiments.value = new Map(s.experiments.map((e) => [k(e.namespace, e.name), e]));
    decisions.value = s.decisions.slice(0, MAX_DECISIONS);
    decisionsAvailable.value = s.decisionsAvailable;
    controls.value = s.controls;
    samples.value = s.samples;
    // Entries only the feed knew (e.g. live decisions when no log is open here) are kept.
    timeline.value = mergeTimeline(timeline.value, [
      ...s.decisions.map(decisionEntry),
      ...s.decisions.flatMap((v) => verificationEntry(v) ?? []),
      ...s.controls.map(controlEntry),
      ...s.experiments.flatMap(experimentEntries),
    ]);
    lastSeq.value = seq;
    epoch.value = ep;
    snapshotsReceived.value++;
  });
}

/** Applies one event; see applyEvents. */
export function applyEvent(e: FeedEvent): void {
  applyEvents([e]);
}

/**
 * Applies events in sequence order as one update: at hundreds of events a second the page redraws
 * once per batch, and the timeline is merged (and sorted) once, not once per event.
 */
export function applyEvents(events: readonly FeedEvent[]): void {
  if (events.length === 0) return;
  const adds: TimelineEntry[] = [];
  let decisionList: DecisionView[] | undefined;
  const decisionsNow = () => (decisionList ??= decisions.value);
  batch(() => {
    for (const e of events) {
      lastSeq.value = e.seq;
      eventsReceived.value++;
      const p = e.payload;
      switch (e.kind) {
        case 'decision': {
          const view: DecisionView = { seq: p.logSeq, decision: p.decision };
          const current = decisionsNow();
          const rest = current.some((d) => d.decision.id === p.decision.id)
            ? current.filter((d) => d.decision.id !== p.decision.id)
            : current;
          decisionList = [view, ...rest.slice(0, MAX_DECISIONS - 1)];
          adds.push(decisionEntry(view));
          break;
        }
        case 'verification': {
          const id = p.verification.decisionId;
          let found: DecisionView | undefined;
          decisionList = decisionsNow().map((d) =>
            d.decision.id === id ? (found = { ...d, verification: p.verification }) : d,
          );
          if (found) adds.push(verificationEntry(found)!);
          break;
        }
        case 'policy-status': {
          const key = k(p.namespace, p.name);
          const cur = policies.value.get(key);
          if (cur) policies.value = new Map(policies.value).set(key, { ...cur, status: p.status });
          appendSample(key, p.status);
          break;
        }
        case 'policy': {
          const key = k(p.namespace, p.name);
          const next = new Map(policies.value);
          if (p.policy) next.set(key, p.policy);
          else next.delete(key);
          policies.value = next;
          if (p.policy) appendSample(key, p.policy.status);
          break;
        }
        case 'experiment': {
          const key = k(p.namespace, p.name);
          const next = new Map(experiments.value);
          if (p.experiment) next.set(key, p.experiment);
          else next.delete(key);
          experiments.value = next;
          if (p.experiment) adds.push(...experimentEntries(p.experiment));
          break;
        }
        case 'fleet-state':
          fleet.value = p;
          break;
        case 'halt':
          halt.value = p;
          adds.push({
            key: `h:${e.seq}`,
            time: Date.parse(e.time),
            kind: 'halt',
            title: p.halted ? `HALTED by ${p.by ?? 'someone'}` : `Resumed by ${p.by ?? 'someone'}`,
            ...(p.reason ? { detail: p.reason } : {}),
            tone: p.halted ? 'bad' : 'ok',
          });
          break;
        case 'control':
          controls.value = [p, ...controls.value].slice(0, 200);
          adds.push(controlEntry(p));
          break;
      }
    }
    if (decisionList) decisions.value = decisionList;
    timeline.value = mergeTimeline(timeline.value, adds);
  });
}
