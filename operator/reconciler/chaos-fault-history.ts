// The faults chaos experiments injected into each target Deployment, kept for the failure-risk
// model, which learns them as failures (predictor/risk/labels.ts). A ChaosExperiment's status holds
// only its current or last run's pods (`targets`, with `injectedAt` and `recoveredAt`), so the
// history is built by watching every status change: for each run and Deployment hit, the interval
// from the first injection to the last recovery (or now, while a fault is active). Membership
// follows chaos-signals.ts: a pod the caches know belongs to its Deployment (quarantined pods
// included); a pod already gone (a pod kill's victim) to the Deployments whose pod template the
// experiment's selector picks. Intervals outlive the experiment: one deleted after its run still
// taught something.
//
// Kept in memory only, bounded by age (the training window) and by count. After a restart the
// history is rebuilt from the experiments still present: the last run of each precisely (its
// `targets`), the earlier runs of a scheduled experiment coarsely from `status.history` (the run's
// start to end, on every Deployment its selector picks, since the pods it hit are no longer
// recorded). Lost on restart: the runs of experiments deleted meanwhile, and scheduled runs older
// than the ten `status.history` keeps.
import type { V1Deployment } from '@kubernetes/client-node';
import type { ChaosExperimentStatus, ExperimentTarget } from '../../crds/index.ts';
import type { EventHandlers } from '../../kube/index.ts';
import type { FaultInterval } from '../../predictor/risk/labels.ts';
import type { ClusterCaches } from './caches.ts';
import { type ChaosExperimentObject, selectorOf, selectsTemplate } from './chaos-signals.ts';

/** How pods and experiments map onto target Deployments ("namespace/name"). */
export interface FaultMembership {
  /** The Deployments the pod belongs to (quarantined from included); undefined when the pod is not known. */
  deploymentsOfPod(namespace: string, pod: string): readonly string[] | undefined;
  /** The Deployments of a namespace, whose pod templates an experiment's selector is matched against. */
  deployments(namespace: string): readonly V1Deployment[];
}

/** Membership as the operator's informer caches see it. */
export function cacheMembership(caches: ClusterCaches): FaultMembership {
  return {
    deploymentsOfPod: (namespace, pod) => {
      const p = caches.pods.get(namespace, pod);
      return p ? caches.deploymentsOfPod(p) : undefined;
    },
    deployments: (namespace) => caches.deployments.list(namespace),
  };
}

export interface ChaosFaultHistoryOptions {
  membership: FaultMembership;
  /** How long an interval is kept after it ended, ms (default 14 days: the predictor's training window). */
  retentionMs?: number;
  /** Runs kept per target; the oldest go first (default 1,000). */
  maxPerTarget?: number;
  /** Runs kept over all targets (default 20,000). */
  maxTotal?: number;
  now?: () => number;
}

/** Something that delivers ChaosExperiment events (an informer, or several read as one). */
export interface ExperimentEvents {
  addEventHandler(h: EventHandlers<ChaosExperimentObject>): () => void;
}

/** One run's faults on one target. */
interface Fault {
  start: number;
  /** Absent while a fault of the run is still active on the target. */
  end?: number;
  /** When the engine's data plane removes the fault even without the engine. */
  deadline?: number;
}

interface ExperimentState {
  run?: number;
  deadline?: number;
  /** Deployments of each pod of the current run, resolved while the pod still existed. */
  pods: Map<string, readonly string[]>;
  /** Runs recorded from their own `targets` (or already from history): not rebuilt from history. */
  seen: Set<number>;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 60_000;
/** Finished runs that injected something; a Failed run injected nothing. */
const INJECTED_PHASES = new Set(['Completed', 'Aborted']);

function ms(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const t = Date.parse(timestamp);
  return Number.isFinite(t) ? t : undefined;
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`chaos fault history: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** The Deployments (names) of the namespace whose pod template the experiment's selector picks. */
function selectedDeployments(
  exp: ChaosExperimentObject,
  namespace: string,
  deployments: readonly V1Deployment[],
): string[] {
  return deployments
    .filter((d) => selectsTemplate(exp, namespace, d))
    .map((d) => d.metadata?.name ?? '')
    .filter((n) => n !== '');
}

export class ChaosFaultHistory {
  private readonly byTarget = new Map<string, Map<string, Fault>>();
  /** The targets of each run ("experiment@start"). */
  private readonly byRun = new Map<string, Set<string>>();
  private readonly experiments = new Map<string, ExperimentState>();
  private readonly retentionMs: number;
  private readonly maxPerTarget: number;
  private readonly maxTotal: number;
  private readonly now: () => number;
  private total = 0;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: ChaosFaultHistoryOptions) {
    this.retentionMs = o.retentionMs ?? 14 * DAY_MS;
    if (!(this.retentionMs > 0))
      throw new Error(`chaos fault history: retentionMs must be positive, got ${this.retentionMs}`);
    this.maxPerTarget = positiveInteger('maxPerTarget', o.maxPerTarget ?? 1000);
    this.maxTotal = positiveInteger('maxTotal', o.maxTotal ?? 20_000);
    this.now = o.now ?? Date.now;
  }

  /** Follows the experiments' events (replaying those already cached); returns the unsubscribe. */
  watch(source: ExperimentEvents): () => void {
    return source.addEventHandler({
      add: (exp) => this.observe(exp),
      update: (_old, exp) => this.observe(exp),
      delete: (exp) => this.deleted(exp),
    });
  }

  /** Records what an experiment's status says about its faults. */
  observe(exp: ChaosExperimentObject): void {
    const id = exp.metadata?.uid ?? `${exp.metadata?.namespace}/${exp.metadata?.name}`;
    const status: ChaosExperimentStatus = exp.status ?? {};
    let state = this.experiments.get(id);
    if (!state) {
      state = { pods: new Map(), seen: new Set() };
      this.experiments.set(id, state);
    }
    const run = ms(status.startTime);
    if (run !== undefined && run !== state.run) {
      // A new run replaced the last one's targets: what the last run left open ends now at the latest.
      if (state.run !== undefined) this.closeRun(`${id}@${state.run}`, state.deadline);
      state.run = run;
      state.pods.clear();
    }
    if (run !== undefined) {
      state.deadline = ms(status.deadline);
      if (status.targets?.length) {
        state.seen.add(run);
        this.recordRun(exp, id, run, status.targets, state);
      }
    }
    this.recordHistory(exp, id, status, state);
    // Only runs the status still lists can come back.
    const listed = new Set((status.history ?? []).map((r) => ms(r.startTime)));
    for (const s of state.seen) if (s !== state.run && !listed.has(s)) state.seen.delete(s);
    if (this.now() - this.lastPrune >= PRUNE_EVERY_MS) this.prune();
  }

  /** The experiment is gone: its intervals stay, and a fault it left open ends now (or at its deadline). */
  deleted(exp: ChaosExperimentObject): void {
    this.observe(exp);
    const id = exp.metadata?.uid ?? `${exp.metadata?.namespace}/${exp.metadata?.name}`;
    const state = this.experiments.get(id);
    if (state?.run !== undefined) this.closeRun(`${id}@${state.run}`, state.deadline);
    this.experiments.delete(id);
  }

  /** The target's fault intervals within the retention, overlaps merged, oldest first. */
  faults(target: string): FaultInterval[] {
    this.prune();
    const runs = this.byTarget.get(target);
    if (!runs) return [];
    const now = this.now();
    const spans = [...runs.values()]
      .map((f) => ({ start: f.start, end: this.endOf(f, now) }))
      .sort((a, b) => a.start - b.start);
    const out: FaultInterval[] = [];
    for (const s of spans) {
      const last = out.at(-1);
      if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
      else out.push({ target, start: s.start, end: s.end });
    }
    return out;
  }

  /** Runs held over all targets. */
  size(): number {
    return this.total;
  }

  private recordRun(
    exp: ChaosExperimentObject,
    id: string,
    run: number,
    targets: readonly ExperimentTarget[],
    state: ExperimentState,
  ): void {
    const hull = new Map<string, { start: number; end: number; open: boolean }>();
    for (const t of targets) {
      const injected = ms(t.injectedAt);
      if (injected === undefined) continue;
      const pod = `${t.namespace}/${t.pod}`;
      let deployments = state.pods.get(pod);
      if (!deployments) {
        deployments = this.deploymentsOf(exp, t);
        // Unresolved (caches not yet synced): tried again on the next event or resync.
        if (deployments) state.pods.set(pod, deployments);
      }
      const recovered = ms(t.recoveredAt);
      for (const d of deployments ?? []) {
        const h = hull.get(d) ?? { start: injected, end: injected, open: false };
        h.start = Math.min(h.start, injected);
        if (recovered === undefined) h.open = true;
        else h.end = Math.max(h.end, recovered);
        hull.set(d, h);
      }
    }
    const deadline = state.deadline;
    const oldest = this.now() - this.retentionMs;
    for (const [target, h] of hull)
      if (h.open || h.end >= oldest)
        this.set(target, `${id}@${run}`, {
          start: h.start,
          ...(h.open ? {} : { end: h.end }),
          ...(deadline !== undefined ? { deadline } : {}),
        });
  }

  /** Finished runs the history lists but this process did not see: the whole run, on the selected Deployments. */
  private recordHistory(
    exp: ChaosExperimentObject,
    id: string,
    status: ChaosExperimentStatus,
    state: ExperimentState,
  ): void {
    const oldest = this.now() - this.retentionMs;
    for (const r of status.history ?? []) {
      const start = ms(r.startTime);
      const end = ms(r.endTime);
      if (start === undefined || end === undefined || end < oldest || end < start) continue;
      if (!INJECTED_PHASES.has(r.phase) || state.seen.has(start)) continue;
      const targets = this.selected(exp);
      if (targets.length === 0) continue;
      state.seen.add(start);
      for (const target of targets) this.set(target, `${id}@${start}`, { start, end });
    }
  }

  private deploymentsOf(exp: ChaosExperimentObject, t: ExperimentTarget): readonly string[] | undefined {
    const known = this.o.membership.deploymentsOfPod(t.namespace, t.pod);
    if (known) return known;
    const picked = selectedDeployments(exp, t.namespace, this.o.membership.deployments(t.namespace));
    // A Deployment's pods are named "<deployment>-<hash>-<suffix>": prefer the one the name points to.
    const named = picked.filter((d) => t.pod.startsWith(`${d}-`)).sort((a, b) => b.length - a.length);
    const names = named.length > 0 ? [named[0]] : picked;
    return names.length > 0 ? names.map((n) => `${t.namespace}/${n}`) : undefined;
  }

  private selected(exp: ChaosExperimentObject): string[] {
    return selectorOf(exp).namespaces.flatMap((ns) =>
      selectedDeployments(exp, ns, this.o.membership.deployments(ns)).map((n) => `${ns}/${n}`),
    );
  }

  private endOf(f: Fault, now: number): number {
    return f.end ?? Math.max(f.start, Math.min(now, f.deadline ?? now));
  }

  private closeRun(run: string, deadline: number | undefined): void {
    const now = this.now();
    for (const target of this.byRun.get(run) ?? []) {
      const f = this.byTarget.get(target)?.get(run);
      if (f && f.end === undefined) f.end = Math.max(f.start, Math.min(now, deadline ?? now));
    }
  }

  private set(target: string, run: string, fault: Fault): void {
    let runs = this.byTarget.get(target);
    if (!runs) {
      runs = new Map();
      this.byTarget.set(target, runs);
    }
    if (!runs.has(run)) {
      this.total++;
      let targets = this.byRun.get(run);
      if (!targets) {
        targets = new Set();
        this.byRun.set(run, targets);
      }
      targets.add(target);
    }
    runs.set(run, fault);
    // Evicting a tenth at a time keeps a full history from sorting on every run.
    if (runs.size > this.maxPerTarget) this.evictOldest([target], Math.floor(this.maxPerTarget * 0.9));
    if (this.total > this.maxTotal)
      this.evictOldest([...this.byTarget.keys()], Math.floor(this.maxTotal * 0.9));
  }

  /** Drops the runs that ended longest ago among those targets' until `keep` are left. */
  private evictOldest(targets: readonly string[], keep: number): void {
    const now = this.now();
    const all: { target: string; run: string; end: number }[] = [];
    for (const target of targets)
      for (const [run, f] of this.byTarget.get(target) ?? [])
        all.push({ target, run, end: this.endOf(f, now) });
    all.sort((a, b) => a.end - b.end);
    for (const r of all.slice(0, Math.max(0, all.length - keep))) this.remove(r.target, r.run);
  }

  private prune(): void {
    const now = this.now();
    this.lastPrune = now;
    const oldest = now - this.retentionMs;
    for (const [target, runs] of this.byTarget)
      for (const [run, f] of runs) if (this.endOf(f, now) < oldest) this.remove(target, run);
  }

  private remove(target: string, run: string): void {
    const runs = this.byTarget.get(target);
    if (!runs?.delete(run)) return;
    this.total--;
    if (runs.size === 0) this.byTarget.delete(target);
    const targets = this.byRun.get(run);
    targets?.delete(target);
    if (targets?.size === 0) this.byRun.delete(run);
  }
}
