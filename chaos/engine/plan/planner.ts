// The chaos planner: a pure function from an experiment, the cluster as observed (namespaces, pods,
// other running experiments) and the safety settings to the targets of one run, or the reason it
// must not run. The reconciler and `homeostat chaos plan` both call it, so the plan a user previews
// is the plan the engine carries out.
import {
  CHAOS_OPT_IN_ANNOTATION,
  type ChaosExperimentSpec,
  matchesLabelSelector,
} from '../../../crds/index.ts';
import { comparePods, type PodRef, podKey, selectTargets } from './select.ts';

export interface NamespaceInfo {
  name: string;
  annotations?: Readonly<Record<string, string>>;
}

export interface PodInfo extends PodRef {
  labels: Readonly<Record<string, string>>;
  /** Only Running pods that are not being deleted can be targets. */
  phase?: string;
  deleting?: boolean;
  node?: string;
}

/** Another experiment whose faults are (or may be) active. */
export interface ActiveExperiment {
  namespace: string;
  name: string;
  targets: readonly PodRef[];
}

export interface SafetySettings {
  /** Never targeted, whatever an experiment says (kube-system and Homeostat's own namespace). */
  protectedNamespaces: readonly string[];
  /** Most pods under an active fault at once across all experiments. */
  clusterMaxTargets: number;
  /** Most experiments with active faults at once. */
  clusterMaxExperiments: number;
}

export interface PlanInput {
  experiment: { namespace: string; name: string; spec: ChaosExperimentSpec };
  namespaces: readonly NamespaceInfo[];
  pods: readonly PodInfo[];
  /** Experiments other than this one with active faults. */
  active: readonly ActiveExperiment[];
  safety: SafetySettings;
  /** The run's seed: spec.seed, or one the engine drew and records. */
  seed: number;
}

export type PlanFailureReason =
  | 'ProtectedNamespace'
  | 'NamespaceNotOptedIn'
  | 'NamespaceNotFound'
  | 'NoTargets'
  | 'BlastRadiusExceeded'
  | 'ClusterBlastRadiusExceeded';

export interface Conflict {
  pod: PodRef;
  /** "namespace/name" of the experiment already holding a fault on the pod. */
  experiment: string;
}

export interface BlastRadius {
  /** Pods the selector matched that could be hit (Running, not deleting, no conflict). */
  eligible: number;
  targets: number;
  /** targets / eligible, in percent. */
  percent: number;
  maxPods?: number;
  maxPercent?: number;
  /** Pods under active faults of other experiments, and the cluster-wide limit. */
  clusterActiveTargets: number;
  clusterMaxTargets: number;
  clusterActiveExperiments: number;
  clusterMaxExperiments: number;
}

export interface ExperimentPlan {
  ok: boolean;
  /** Set when !ok: the condition reason the experiment fails with. */
  reason?: PlanFailureReason;
  message: string;
  seed: number;
  namespaces: string[];
  targets: PodInfo[];
  /** Pods the selector matched but that were left out, and why. */
  excluded: { pod: PodRef; why: 'NotRunning' | 'Deleting' | 'Conflict' }[];
  conflicts: Conflict[];
  blastRadius: BlastRadius;
}

const OPT_IN_VALUE = 'true';

export function isOptedIn(ns: NamespaceInfo | undefined): boolean {
  return (ns?.annotations?.[CHAOS_OPT_IN_ANNOTATION] ?? '').trim().toLowerCase() === OPT_IN_VALUE;
}

export function planExperiment(input: PlanInput): ExperimentPlan {
  const { experiment, safety, seed } = input;
  const spec = experiment.spec;
  const namespaces = [...new Set(spec.selector.namespaces ?? [experiment.namespace])].sort();
  const clusterActiveTargets = new Set(input.active.flatMap((e) => e.targets.map(podKey))).size;
  const blastRadius: BlastRadius = {
    eligible: 0,
    targets: 0,
    percent: 0,
    ...(spec.blastRadius?.maxPods !== undefined ? { maxPods: spec.blastRadius.maxPods } : {}),
    ...(spec.blastRadius?.maxPercent !== undefined ? { maxPercent: spec.blastRadius.maxPercent } : {}),
    clusterActiveTargets,
    clusterMaxTargets: safety.clusterMaxTargets,
    clusterActiveExperiments: input.active.length,
    clusterMaxExperiments: safety.clusterMaxExperiments,
  };
  const plan: ExperimentPlan = {
    ok: false,
    message: '',
    seed,
    namespaces,
    targets: [],
    excluded: [],
    conflicts: [],
    blastRadius,
  };
  const fail = (reason: PlanFailureReason, message: string): ExperimentPlan =>
    Object.assign(plan, { ok: false, reason, message, targets: [] });

  const protectedSet = new Set(safety.protectedNamespaces);
  const forbidden = namespaces.filter((n) => protectedSet.has(n));
  if (forbidden.length > 0)
    return fail(
      'ProtectedNamespace',
      `namespace ${forbidden.join(', ')} is protected: chaos never targets ${[...protectedSet].sort().join(', ')}`,
    );
  const known = new Map(input.namespaces.map((n) => [n.name, n]));
  const missing = namespaces.filter((n) => !known.has(n));
  if (missing.length > 0) return fail('NamespaceNotFound', `namespace ${missing.join(', ')} does not exist`);
  const notOptedIn = namespaces.filter((n) => !isOptedIn(known.get(n)));
  if (notOptedIn.length > 0)
    return fail(
      'NamespaceNotOptedIn',
      `namespace ${notOptedIn.join(', ')} has not opted in to chaos: annotate it ${CHAOS_OPT_IN_ANNOTATION}="true"`,
    );

  const inScope = new Set(namespaces);
  const heldBy = new Map<string, string>();
  for (const e of input.active) for (const t of e.targets) heldBy.set(podKey(t), `${e.namespace}/${e.name}`);
  const eligible: PodInfo[] = [];
  for (const pod of [...input.pods].sort(comparePods)) {
    if (!inScope.has(pod.namespace) || !matchesLabelSelector(spec.selector.labelSelector, pod.labels))
      continue;
    const ref = { namespace: pod.namespace, name: pod.name };
    const holder = heldBy.get(podKey(pod));
    if (pod.deleting) plan.excluded.push({ pod: ref, why: 'Deleting' });
    else if (pod.phase !== 'Running') plan.excluded.push({ pod: ref, why: 'NotRunning' });
    else if (holder) {
      plan.excluded.push({ pod: ref, why: 'Conflict' });
      plan.conflicts.push({ pod: ref, experiment: holder });
    } else eligible.push(pod);
  }
  blastRadius.eligible = eligible.length;
  if (eligible.length === 0) {
    const why = plan.conflicts.length
      ? `; ${plan.conflicts.length} matching pod(s) are already targets of other experiments`
      : '';
    return fail('NoTargets', `the selector matches no running pod in ${namespaces.join(', ')}${why}`);
  }

  const targets = selectTargets(eligible, spec.mode, spec.value, seed);
  blastRadius.targets = targets.length;
  blastRadius.percent = Math.round((targets.length * 10_000) / eligible.length) / 100;
  const { maxPods, maxPercent } = spec.blastRadius ?? {};
  if (maxPods !== undefined && targets.length > maxPods)
    return fail('BlastRadiusExceeded', `${targets.length} targets exceed blastRadius.maxPods (${maxPods})`);
  if (maxPercent !== undefined && blastRadius.percent > maxPercent)
    return fail(
      'BlastRadiusExceeded',
      `${targets.length} of ${eligible.length} pods (${blastRadius.percent}%) exceed blastRadius.maxPercent (${maxPercent}%)`,
    );
  if (input.active.length + 1 > safety.clusterMaxExperiments)
    return fail(
      'ClusterBlastRadiusExceeded',
      `${input.active.length} experiments are already active; the cluster-wide limit is ${safety.clusterMaxExperiments}`,
    );
  if (clusterActiveTargets + targets.length > safety.clusterMaxTargets)
    return fail(
      'ClusterBlastRadiusExceeded',
      `${targets.length} targets on top of ${clusterActiveTargets} already under fault exceed the cluster-wide limit of ${safety.clusterMaxTargets}`,
    );
  plan.ok = true;
  plan.targets = targets;
  plan.message = `${targets.length} of ${eligible.length} eligible pods selected (${spec.mode}${
    spec.value !== undefined ? ` ${spec.value}` : ''
  }, seed ${seed})`;
  return plan;
}
