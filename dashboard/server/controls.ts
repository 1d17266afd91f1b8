// The dashboard's control actions, each a plain Kubernetes API write that the operator and the
// chaos engine act on, and each recorded with who took it:
// - halt / resume: the cluster-wide halt ConfigMap (chaos/halt.ts);
// - pause / resume a policy: spec.mode becomes DryRun (decisions are still made and shown, none is
//   carried out), the previous mode kept in an annotation so resume restores it;
// - start an experiment: create a ChaosExperiment (a new one, or a copy of an existing one's spec);
// - abort an experiment: the annotation `homeostat.dev/abort: "true"`, which the chaos engine honours.
import { clearHalt, type HaltState, setHalt } from '../../chaos/index.ts';
import {
  API_VERSION,
  assertChaosExperiment,
  CHAOS_EXPERIMENT_KIND,
  CHAOS_EXPERIMENT_PLURAL,
  type ExperimentPhase,
  RESILIENCE_POLICY_PLURAL,
  TERMINAL_PHASES,
} from '../../crds/index.ts';
import { errorMessage, type KubeClient } from '../../kube/index.ts';
import { viewOf } from './cluster-view.ts';
import type { ControlLog } from './control-log.ts';
import { ConflictError, HttpError, toHttpError } from './errors.ts';
import type { ControlRecord, ResourceView } from './feed-kinds.ts';

export const ABORT_ANNOTATION = 'homeostat.dev/abort';
export const ABORT_BY_ANNOTATION = 'homeostat.dev/abort-by';
export const ABORT_REASON_ANNOTATION = 'homeostat.dev/abort-reason';
export const STARTED_BY_ANNOTATION = 'homeostat.dev/started-by';
export const PAUSED_FROM_MODE_ANNOTATION = 'homeostat.dev/paused-from-mode';
export const PAUSED_BY_ANNOTATION = 'homeostat.dev/paused-by';
export const PAUSED_AT_ANNOTATION = 'homeostat.dev/paused-at';
export const PAUSED_REASON_ANNOTATION = 'homeostat.dev/paused-reason';

/** Who asked: the name they gave and where the request came from. */
export interface Actor {
  by: string;
  remoteAddress?: string;
}

type Obj = {
  metadata?: { annotations?: Record<string, string>; namespace?: string; name?: string };
  spec?: any;
  status?: any;
};

const path = (plural: string, namespace: string, name?: string) =>
  `/apis/homeostat.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;

export class Controls {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly log: ControlLog,
  ) {}

  halt(actor: Actor, reason: string): Promise<HaltState> {
    return this.recorded(
      actor,
      'Halt',
      { kind: 'ConfigMap', namespace: this.namespace, name: 'homeostat-halt' },
      reason,
      () => setHalt(this.client, this.namespace, { reason, by: actor.by }),
    );
  }

  resume(actor: Actor, reason?: string): Promise<HaltState> {
    return this.recorded(
      actor,
      'Resume',
      { kind: 'ConfigMap', namespace: this.namespace, name: 'homeostat-halt' },
      reason,
      () => clearHalt(this.client, this.namespace, { by: actor.by, ...(reason ? { reason } : {}) }),
    );
  }

  pausePolicy(actor: Actor, namespace: string, name: string, reason: string): Promise<ResourceView> {
    return this.recorded(
      actor,
      'PausePolicy',
      { kind: 'ResiliencePolicy', namespace, name },
      reason,
      async () => {
        const p = await this.client.request<Obj>('GET', path(RESILIENCE_POLICY_PLURAL, namespace, name));
        if (p.metadata?.annotations?.[PAUSED_FROM_MODE_ANNOTATION] !== undefined)
          throw new ConflictError(`policy ${namespace}/${name} is already paused`);
        return viewOf(
          await this.client.request('PATCH', path(RESILIENCE_POLICY_PLURAL, namespace, name), {
            body: {
              metadata: {
                annotations: {
                  [PAUSED_FROM_MODE_ANNOTATION]: String(p.spec?.mode ?? 'Enforce'),
                  [PAUSED_BY_ANNOTATION]: actor.by,
                  [PAUSED_AT_ANNOTATION]: new Date().toISOString(),
                  [PAUSED_REASON_ANNOTATION]: reason,
                },
              },
              spec: { mode: 'DryRun' },
            },
          }),
        );
      },
    );
  }

  resumePolicy(actor: Actor, namespace: string, name: string, reason?: string): Promise<ResourceView> {
    return this.recorded(
      actor,
      'ResumePolicy',
      { kind: 'ResiliencePolicy', namespace, name },
      reason,
      async () => {
        const p = await this.client.request<Obj>('GET', path(RESILIENCE_POLICY_PLURAL, namespace, name));
        const mode = p.metadata?.annotations?.[PAUSED_FROM_MODE_ANNOTATION];
        if (mode === undefined) throw new ConflictError(`policy ${namespace}/${name} is not paused`);
        return viewOf(
          await this.client.request('PATCH', path(RESILIENCE_POLICY_PLURAL, namespace, name), {
            body: {
              metadata: {
                annotations: {
                  [PAUSED_FROM_MODE_ANNOTATION]: null,
                  [PAUSED_BY_ANNOTATION]: null,
                  [PAUSED_AT_ANNOTATION]: null,
                  [PAUSED_REASON_ANNOTATION]: null,
                },
              },
              spec: { mode: mode === 'DryRun' ? 'DryRun' : 'Enforce' },
            },
          }),
        );
      },
    );
  }

  /** Creates an experiment from a manifest, validated against the CRD schema first. */
  startExperiment(actor: Actor, namespace: string, manifest: Record<string, unknown>, reason?: string) {
    const meta = (manifest.metadata ?? {}) as Record<string, unknown>;
    const name = String(meta.name ?? meta.generateName ?? '');
    return this.recorded(
      actor,
      'StartExperiment',
      { kind: CHAOS_EXPERIMENT_KIND, namespace, name },
      reason,
      async () => {
        const body = {
          ...manifest,
          apiVersion: API_VERSION,
          kind: CHAOS_EXPERIMENT_KIND,
          metadata: {
            ...meta,
            namespace,
            annotations: {
              ...((meta.annotations as Record<string, string>) ?? {}),
              [STARTED_BY_ANNOTATION]: actor.by,
            },
          },
        };
        assertChaosExperiment(body);
        return viewOf(await this.client.request('POST', path(CHAOS_EXPERIMENT_PLURAL, namespace), { body }));
      },
    );
  }

  /** Runs an existing experiment's spec again, as a new experiment `<name>-<suffix>`. */
  async rerunExperiment(actor: Actor, namespace: string, name: string, reason?: string) {
    let source: Obj;
    try {
      source = await this.client.request<Obj>('GET', path(CHAOS_EXPERIMENT_PLURAL, namespace, name));
    } catch (err) {
      throw toHttpError(err);
    }
    const { schedule: _schedule, ...spec } = source.spec ?? {};
    return this.startExperiment(
      actor,
      namespace,
      { metadata: { generateName: `${name.slice(0, 50)}-run-` }, spec },
      reason ?? `re-run of ${name}`,
    );
  }

  abortExperiment(actor: Actor, namespace: string, name: string, reason: string): Promise<ResourceView> {
    return this.recorded(
      actor,
      'AbortExperiment',
      { kind: CHAOS_EXPERIMENT_KIND, namespace, name },
      reason,
      async () => {
        const e = await this.client.request<Obj>('GET', path(CHAOS_EXPERIMENT_PLURAL, namespace, name));
        const phase = e.status?.phase as ExperimentPhase | undefined;
        if (phase && TERMINAL_PHASES.includes(phase) && !e.spec?.schedule)
          throw new ConflictError(`experiment ${namespace}/${name} already ended (${phase})`);
        return viewOf(
          await this.client.request('PATCH', path(CHAOS_EXPERIMENT_PLURAL, namespace, name), {
            body: {
              metadata: {
                annotations: {
                  [ABORT_ANNOTATION]: 'true',
                  [ABORT_BY_ANNOTATION]: actor.by,
                  [ABORT_REASON_ANNOTATION]: reason,
                },
              },
            },
          }),
        );
      },
    );
  }

  private async recorded<T>(
    actor: Actor,
    action: ControlRecord['action'],
    target: NonNullable<ControlRecord['target']>,
    reason: string | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    const base = {
      action,
      by: actor.by,
      ...(actor.remoteAddress ? { remoteAddress: actor.remoteAddress } : {}),
      target,
      ...(reason ? { reason } : {}),
    };
    try {
      const result = await run();
      const t = result as { name?: string };
      if (!target.name && typeof t?.name === 'string') target.name = t.name;
      await this.log.record({ ...base, outcome: 'Applied' });
      return result;
    } catch (err) {
      const h = toHttpError(err);
      // Refusals the caller caused (conflicts, bad input) are answers, not failed actions.
      if (!(h.status === 409 || h.status === 400 || h.status === 404))
        await this.log.record({
          ...base,
          outcome: 'Failed',
          error: h.status >= 500 ? errorMessage(err) : h.message,
        });
      throw err instanceof HttpError ? err : h.status === 500 ? err : h;
    }
  }
}
