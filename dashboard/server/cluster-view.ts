// What the dashboard sees through the Kubernetes API: policies, experiments, Deployments, pods and
// the halt, kept by informers. Every change becomes a feed event on the bus (so it is ordered with
// the operator's decisions), and the fleet picture is recomputed at most every `fleetIntervalMs`.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type HaltState, HaltWatcher } from '../../chaos/index.ts';
import {
  CHAOS_EXPERIMENT_PLURAL,
  type ExperimentPhase,
  RESILIENCE_POLICY_PLURAL,
  TERMINAL_PHASES,
} from '../../crds/index.ts';
import {
  errorMessage,
  type Informer,
  InformerFactory,
  type KubeClient,
  modelDecoder,
} from '../../kube/index.ts';
import { quarantineInfo } from '../../operator/actuators/index.ts';
import type { EventBus } from '../../operator/decisions/index.ts';
import type { DashboardFeedEvents, ResourceView } from './feed-kinds.ts';
import { MetricHistory, type PolicySample } from './metric-history.ts';
import { callsOf } from './topology.ts';

type CustomObject = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export type SloState = 'Ok' | 'AtRisk' | 'Breached' | 'Unknown';

export type FleetService = {
  namespace: string;
  name: string;
  replicas: number;
  readyReplicas: number;
  sloState: SloState;
  quarantinedPods: string[];
  /** Running experiments with a target in this service. */
  chaos: { namespace: string; name: string; fault: string; phase: string }[];
  calls: string[];
  /** The policy targeting it, if any. */
  policy?: { namespace: string; name: string; mode: string; paused: boolean };
};

// A type, not an interface: it must fit the bus's loose fleet-state schema (an index signature).
export type FleetState = { observedAt: string; services: FleetService[] };

export interface ClusterViewOptions {
  client: KubeClient;
  bus: EventBus<DashboardFeedEvents>;
  /** The operator's namespace: the halt lives there. Its own Deployments are left out of the fleet. */
  namespace: string;
  /** Empty: all namespaces. */
  watchNamespaces: readonly string[];
  /** The fleet picture is recomputed at most this often, when something changed. */
  fleetIntervalMs: number;
  historyPoints: number;
  logger: Logger;
}

export function viewOf(o: CustomObject): ResourceView {
  const m = o.metadata ?? {};
  const view: ResourceView = {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    annotations: { ...(m.annotations ?? {}) },
    spec: o.spec ?? {},
  };
  if (m.uid) view.uid = m.uid;
  if (m.generation !== undefined) view.generation = m.generation;
  if (m.creationTimestamp) view.createdAt = new Date(m.creationTimestamp as unknown as string).toISOString();
  if (o.status) view.status = o.status;
  return view;
}

function sloStateOf(status: Record<string, unknown> | undefined): SloState {
  const conditions = (status?.conditions ?? []) as { type: string; status: string }[];
  const slo = conditions.find((c) => c.type === 'SLOMet');
  if (slo?.status === 'False') return 'Breached';
  const risk = (status?.risk as { level?: string } | undefined)?.level;
  if (risk === 'High' || risk === 'Critical') return 'AtRisk';
  if (slo?.status === 'True') return 'Ok';
  return 'Unknown';
}

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

export class ClusterView {
  readonly halt: HaltWatcher;
  private readonly factory: InformerFactory;
  private readonly policies: Informer<CustomObject>[] = [];
  private readonly experiments: Informer<CustomObject>[] = [];
  private readonly deployments: Informer<V1Deployment>[] = [];
  private readonly pods: Informer<V1Pod>[] = [];
  private readonly phases = new Map<string, string>();
  private readonly history: MetricHistory;
  private fleetTimer: NodeJS.Timeout | undefined;
  private fleetDirty = false;
  private lastFleet: FleetState = { observedAt: new Date(0).toISOString(), services: [] };
  private started = false;

  constructor(private readonly opts: ClusterViewOptions) {
    this.factory = new InformerFactory(opts.client, { logger: opts.logger });
    this.history = new MetricHistory(opts.historyPoints);
    const namespaces = opts.watchNamespaces.length > 0 ? [...opts.watchNamespaces] : [undefined];
    for (const namespace of namespaces) {
      const ns = namespace === undefined ? {} : { namespace };
      this.policies.push(
        this.factory.informer<CustomObject>({
          resource: { group: 'homeostat.dev', version: 'v1alpha1', plural: RESILIENCE_POLICY_PLURAL },
          ...ns,
        }),
      );
      this.experiments.push(
        this.factory.informer<CustomObject>({
          resource: { group: 'homeostat.dev', version: 'v1alpha1', plural: CHAOS_EXPERIMENT_PLURAL },
          ...ns,
        }),
      );
      this.deployments.push(
        this.factory.informer<V1Deployment>({
          resource: { group: 'apps', version: 'v1', plural: 'deployments' },
          decode: modelDecoder('V1Deployment'),
          ...ns,
        }),
      );
      this.pods.push(
        this.factory.informer<V1Pod>({
          resource: { group: '', version: 'v1', plural: 'pods' },
          decode: modelDecoder('V1Pod'),
          ...ns,
        }),
      );
    }
    this.halt = new HaltWatcher(this.factory, opts.namespace);

    const markFleet = () => {
      this.fleetDirty = true;
    };
    for (const inf of this.policies)
      inf.addEventHandler({
        add: (o) => this.onPolicy(o),
        update: (_, o) => this.onPolicy(o),
        delete: (o) => this.onPolicy(o, true),
      });
    for (const inf of this.experiments)
      inf.addEventHandler({
        add: (o) => this.onExperiment(o),
        update: (_, o) => this.onExperiment(o),
        delete: (o) => this.onExperiment(o, true),
      });
    for (const inf of [...this.deployments, ...this.pods] as Informer<KubernetesObject>[])
      inf.addEventHandler({ add: markFleet, update: markFleet, delete: markFleet });
    this.halt.onChange((h) => this.publish('halt', h));
  }

  async start(timeoutMs = 30_000): Promise<void> {
    this.factory.start();
    await this.factory.waitForSync({ timeoutMs });
    this.started = true;
    this.lastFleet = this.computeFleet();
    this.fleetTimer = setInterval(() => {
      if (!this.fleetDirty) return;
      this.fleetDirty = false;
      this.lastFleet = this.computeFleet();
      this.publish('fleet-state', this.lastFleet);
    }, this.opts.fleetIntervalMs);
    this.fleetTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.fleetTimer) clearInterval(this.fleetTimer);
    await this.factory.stop();
  }

  hasSynced(): boolean {
    return this.started;
  }

  haltState(): HaltState {
    return this.halt.current();
  }

  fleet(): FleetState {
    return this.lastFleet;
  }

  listPolicies(): ResourceView[] {
    return this.policies
      .flatMap((i) => i.list())
      .map(viewOf)
      .sort(byName);
  }

  getPolicy(namespace: string, name: string): ResourceView | undefined {
    for (const i of this.policies) {
      const o = i.get(name, namespace);
      if (o) return viewOf(o);
    }
    return undefined;
  }

  listExperiments(): ResourceView[] {
    return this.experiments
      .flatMap((i) => i.list())
      .map(viewOf)
      .sort(byName);
  }

  getExperiment(namespace: string, name: string): ResourceView | undefined {
    for (const i of this.experiments) {
      const o = i.get(name, namespace);
      if (o) return viewOf(o);
    }
    return undefined;
  }

  /** Recent samples of each policy's observed SLO metrics, forecast and risk (for the charts). */
  samples(): Record<string, PolicySample[]> {
    return this.history.all();
  }

  private publish<K extends keyof DashboardFeedEvents & string>(kind: K, payload: DashboardFeedEvents[K]) {
    try {
      this.opts.bus.publish(kind, payload);
    } catch (err) {
      this.opts.logger.warn({ kind, err: errorMessage(err) }, 'could not publish a feed event');
    }
  }

  private onPolicy(o: CustomObject, deleted = false): void {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    if (deleted) this.history.forget(key(namespace, name));
    else this.history.observe(key(namespace, name), o.status);
    this.fleetDirty = true;
    this.publish('policy', deleted ? { namespace, name } : { namespace, name, policy: viewOf(o) });
  }

  private onExperiment(o: CustomObject, deleted = false): void {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    const k = key(namespace, name);
    this.fleetDirty = true;
    if (deleted) {
      this.phases.delete(k);
      this.publish('experiment', { namespace, name });
      return;
    }
    const phase = (o.status?.phase as string | undefined) ?? undefined;
    const before = this.phases.get(k);
    const view = viewOf(o);
    if (phase !== undefined && phase !== before) {
      this.phases.set(k, phase);
      const verdict = o.status?.verdict as string | undefined;
      this.publish('experiment', {
        namespace,
        name,
        experiment: view,
        transition: { ...(before ? { from: before } : {}), to: phase, ...(verdict ? { verdict } : {}) },
      });
    } else {
      this.publish('experiment', { namespace, name, experiment: view });
    }
  }

  private computeFleet(): FleetState {
    const policyByTarget = new Map<string, CustomObject>();
    for (const p of this.policies.flatMap((i) => i.list())) {
      const target = (p.spec?.targetRef as { name?: string } | undefined)?.name;
      if (target) policyByTarget.set(key(p.metadata?.namespace, target), p);
    }
    const pods = this.pods.flatMap((i) => i.list());
    const deploymentOfPod = new Map<string, string>();
    const quarantined = new Map<string, string[]>();
    const deployments = this.deployments
      .flatMap((i) => i.list())
      .filter((d) => d.metadata?.namespace !== this.opts.namespace);
    for (const pod of pods) {
      const ns = pod.metadata?.namespace;
      const q = quarantineInfo(pod);
      if (q?.from?.startsWith('Deployment/')) {
        const k = key(ns, q.from.slice('Deployment/'.length));
        quarantined.set(k, [...(quarantined.get(k) ?? []), pod.metadata?.name ?? '']);
        deploymentOfPod.set(key(ns, pod.metadata?.name), k);
        continue;
      }
      const labels = pod.metadata?.labels ?? {};
      const d = deployments.find(
        (d) =>
          d.metadata?.namespace === ns &&
          Object.entries(d.spec?.selector?.matchLabels ?? {}).every(([lk, lv]) => labels[lk] === lv),
      );
      if (d) deploymentOfPod.set(key(ns, pod.metadata?.name), key(ns, d.metadata?.name));
    }
    const chaos = new Map<string, FleetService['chaos']>();
    for (const e of this.experiments.flatMap((i) => i.list())) {
      const phase = (e.status?.phase as ExperimentPhase | undefined) ?? 'Pending';
      if (phase === 'Pending' || TERMINAL_PHASES.includes(phase)) continue;
      const fault = ((e.spec?.fault as { kind?: string } | undefined)?.kind ?? 'Unknown') as string;
      const hit = new Set<string>();
      for (const t of (e.status?.targets ?? []) as {
        namespace: string;
        pod: string;
        recoveredAt?: string;
      }[]) {
        const d = deploymentOfPod.get(key(t.namespace, t.pod));
        if (d && !t.recoveredAt) hit.add(d);
      }
      for (const d of hit)
        chaos.set(d, [
          ...(chaos.get(d) ?? []),
          { namespace: e.metadata?.namespace ?? '', name: e.metadata?.name ?? '', fault, phase },
        ]);
    }
    const services: FleetService[] = deployments.map((d) => {
      const namespace = d.metadata?.namespace ?? '';
      const name = d.metadata?.name ?? '';
      const k = key(namespace, name);
      const policy = policyByTarget.get(k);
      const s: FleetService = {
        namespace,
        name,
        replicas: d.spec?.replicas ?? 0,
        readyReplicas: d.status?.readyReplicas ?? 0,
        sloState: policy ? sloStateOf(policy.status) : 'Unknown',
        quarantinedPods: quarantined.get(k) ?? [],
        chaos: chaos.get(k) ?? [],
        calls: callsOf(name, d.metadata?.annotations),
      };
      if (policy)
        s.policy = {
          namespace: policy.metadata?.namespace ?? '',
          name: policy.metadata?.name ?? '',
          mode: String(policy.spec?.mode ?? 'Enforce'),
          paused: policy.status?.paused === true,
        };
      return s;
    });
    services.sort((a, b) => key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)));
    return { observedAt: new Date().toISOString(), services };
  }
}

function byName(a: ResourceView, b: ResourceView): number {
  return key(a.namespace, a.name).localeCompare(key(b.namespace, b.name));
}
