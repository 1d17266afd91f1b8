// Kubernetes Events on the experiment at each phase change, so `kubectl describe chaosexperiment`
// and `kubectl get events` tell the story of a run. Written in the background (never delaying a
// reconcile), bounded, and failures only logged: the status is the record, Events are a courtesy.
import type { Logger } from 'pino';
import { API_VERSION, CHAOS_EXPERIMENT_KIND, type ExperimentPhase } from '../../crds/index.ts';
import { errorMessage, type KubeClient } from '../../kube/index.ts';

export const CHAOS_REPORTING_CONTROLLER = 'homeostat.dev/chaos-engine';
const MAX_BACKLOG = 1000;

export interface ExperimentRef {
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export class ExperimentEventRecorder {
  private backlog: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that an experiment entered a phase. */
  phase(ref: ExperimentRef, phase: ExperimentPhase, message: string): void {
    const type = phase === 'Failed' || phase === 'Aborted' ? 'Warning' : 'Normal';
    if (this.backlog.length >= MAX_BACKLOG) return;
    this.backlog.push(() => this.write(ref, phase, type, message));
    this.running ??= this.pump();
  }

  /** Resolves once every queued Event has been written (or failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pump(): Promise<void> {
    while (this.backlog.length) await this.backlog.shift()!();
    this.running = undefined;
  }

  private async write(ref: ExperimentRef, reason: string, type: string, message: string): Promise<void> {
    const nowMs = this.now();
    const now = new Date(nowMs).toISOString();
    try {
      await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: `${ref.name.slice(0, 200)}.${nowMs.toString(16)}${(this.seq++ % 4096).toString(16)}`,
            namespace: ref.namespace,
          },
          involvedObject: {
            apiVersion: API_VERSION,
            kind: CHAOS_EXPERIMENT_KIND,
            namespace: ref.namespace,
            name: ref.name,
            ...(ref.uid ? { uid: ref.uid } : {}),
            ...(ref.resourceVersion ? { resourceVersion: ref.resourceVersion } : {}),
          },
          reason,
          message: message.slice(0, 1024),
          type,
          source: { component: CHAOS_REPORTING_CONTROLLER },
          reportingComponent: CHAOS_REPORTING_CONTROLLER,
          reportingInstance: this.instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn(
        { experiment: `${ref.namespace}/${ref.name}`, err: errorMessage(err) },
        'could not write an Event',
      );
    }
  }
}
