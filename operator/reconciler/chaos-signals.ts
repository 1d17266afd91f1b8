// Which ChaosExperiments are hurting a policy's target right now: the engine input's `chaos`, read by
// the pauseDuringChaos guardrail. An experiment counts while it has faults injected and not yet
// recovered (its status says so: the engine writes a target before injecting and stamps
// `recoveredAt` after removing the fault) in the target's namespace, on one of the target's pods or
// on pods its selector picks from the target's pod template. A pod kill's victim is gone from the
// target's pods, so the selector is what still ties the run to the target.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  CHAOS_EXPERIMENT_PLURAL,
  type ChaosExperimentStatus,
  type ExperimentPhase,
  type LabelSelector,
  matchesLabelSelector,
} from '../../crds/index.ts';
import type { ResourceRef } from '../../kube/index.ts';

export const CHAOS_EXPERIMENT_RESOURCE: ResourceRef = {
  group: 'homeostat.dev',
  version: 'v1alpha1',
  plural: CHAOS_EXPERIMENT_PLURAL,
};

/** A ChaosExperiment as stored; read loosely, the engine validates it. */
export interface ChaosExperimentObject extends KubernetesObject {
  spec?: { selector?: { namespaces?: unknown; labelSelector?: unknown } } & Record<string, unknown>;
  status?: ChaosExperimentStatus;
}

export interface ChaosInput {
  active: boolean;
  /** "namespace/name" of each experiment, sorted. */
  experiments: string[];
}

/** Phases in which a fault may be on the data plane. */
const FAULT_PHASES: ReadonlySet<ExperimentPhase> = new Set(['Injecting', 'Running', 'Recovering']);

/** The namespaces and label selector an experiment picks its targets with (its own namespace by default). */
export function selectorOf(exp: ChaosExperimentObject): { namespaces: string[]; labels?: LabelSelector } {
  const sel = exp.spec?.selector;
  const own = exp.metadata?.namespace ?? '';
  const namespaces = Array.isArray(sel?.namespaces)
    ? sel.namespaces.filter((n): n is string => typeof n === 'string')
    : [own];
  const labels = sel?.labelSelector;
  return labels && typeof labels === 'object'
    ? { namespaces, labels: labels as LabelSelector }
    : { namespaces };
}

/** Whether the experiment's selector picks the pods of this Deployment's template. */
export function selectsTemplate(
  exp: ChaosExperimentObject,
  namespace: string,
  deploy: V1Deployment,
): boolean {
  const { namespaces, labels } = selectorOf(exp);
  if (!labels || !namespaces.includes(namespace)) return false;
  // An empty selector would select everything; the CRD forbids it, so it selects nothing here.
  if (!Object.keys(labels.matchLabels ?? {}).length && !labels.matchExpressions?.length) return false;
  return matchesLabelSelector(labels, deploy.spec?.template?.metadata?.labels ?? {});
}

/** The experiments with faults injected against the Deployment (pods: the target's, quarantined included). */
export function chaosAgainst(
  experiments: Iterable<ChaosExperimentObject>,
  deploy: V1Deployment,
  pods: readonly V1Pod[],
): ChaosInput {
  const namespace = deploy.metadata?.namespace ?? '';
  const podNames = new Set(pods.map((p) => p.metadata?.name ?? ''));
  const hits: string[] = [];
  for (const exp of experiments) {
    const status = exp.status;
    if (!status?.phase || !FAULT_PHASES.has(status.phase)) continue;
    const live = (status.targets ?? []).filter(
      (t) => t.namespace === namespace && t.injectedAt && !t.recoveredAt,
    );
    if (live.length === 0) continue;
    if (live.some((t) => podNames.has(t.pod)) || selectsTemplate(exp, namespace, deploy))
      hits.push(`${exp.metadata?.namespace}/${exp.metadata?.name}`);
  }
  hits.sort();
  return { active: hits.length > 0, experiments: hits };
}
