/**
 * The reactive anchor: the Kubernetes HPA as it runs by default, on the catalog's requests/s per
 * pod: the faithful algorithm (operator/policy/hpa: replica calculator and v2 behavior) in a
 * controller loop every `syncMs`, reading what a metrics pipeline scraped from the pods every
 * `syncMs`, half a period before (metrics-server's default resolution). It acts on the Deployment.
 * Shared by bench/operator-heal-bench.ts and bench/predictive-scaling-fleet-bench.ts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../crds/index.ts';
import { ScrapeSource, type TargetSignals } from '../../operator/metrics/index.ts';
import { hpa } from '../../operator/policy/index.ts';
import { CATALOG_SELECTOR, catalogPods, FLEET_NAMESPACE } from '../operator/fleet.ts';
import type { TestCluster } from '../operator/harness.ts';

export interface HpaAnchorOptions {
  minReplicas: number;
  maxReplicas: number;
  /** Target requests/s per pod (capacity × utilization). */
  targetRpsPerPod: number;
  syncMs?: number;
  /** Every rescale the anchor applies. */
  onRescale?: (from: number, to: number, atMs: number) => void;
}

const ms = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime());

function toHpaPod(p: V1Pod): hpa.HpaPod {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  const startTime = ms(p.status?.startTime);
  return {
    name: p.metadata!.name!,
    phase: (p.status?.phase ?? 'Pending') as hpa.PodPhase,
    ...(ready
      ? {
          readyCondition: {
            status: ready.status as 'True' | 'False' | 'Unknown',
            lastTransitionTime: ms(ready.lastTransitionTime) ?? 0,
          },
        }
      : {}),
    ...(startTime === undefined ? {} : { startTime }),
    deleting: p.metadata?.deletionTimestamp !== undefined,
  };
}

export function startHpaAnchor(c: TestCluster, o: HpaAnchorOptions): { stop(): Promise<void> } {
  const syncMs = o.syncMs ?? 15_000;
  const source = new ScrapeSource({ scrapeIntervalMs: 1000 });
  const spec: hpa.HpaSpec = {
    minReplicas: o.minReplicas,
    maxReplicas: o.maxReplicas,
    metrics: [
      {
        type: 'Pods',
        name: 'requestRate',
        target: { type: 'AverageValue', averageValue: Math.ceil(o.targetRpsPerPod * 1000) },
      },
    ],
    behavior: { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN },
  };
  let state: hpa.HpaState = hpa.EMPTY_HPA_STATE;
  let latest: TargetSignals | undefined;
  const timers: NodeJS.Timeout[] = [];
  const scrape = async () => {
    latest = await source.read({ namespace: FLEET_NAMESPACE, name: 'catalog', pods: await catalogPods(c) });
  };
  const tick = async () => {
    const now = Date.now();
    const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
    const pods = (
      await c.core.listNamespacedPod({ namespace: FLEET_NAMESPACE, labelSelector: CATALOG_SELECTOR })
    ).items;
    const metrics = new Map<string, hpa.PodMetric>();
    for (const p of latest?.pods ?? []) {
      const r = p.requestsPerSecond;
      if (r.state === 'Ok')
        metrics.set(p.pod, { value: Math.ceil(r.value * 1000), timestamp: r.sampledAtMs, windowMs: syncMs });
    }
    const observation: hpa.MetricObservation =
      metrics.size > 0 ? { kind: 'pods', metrics } : { kind: 'error', error: 'no metrics returned yet' };
    const specReplicas = d.spec?.replicas ?? 1;
    const { result, state: next } = hpa.reconcileAutoscaler(
      spec,
      { specReplicas, statusReplicas: d.status?.replicas ?? specReplicas, pods: pods.map(toHpaPod) },
      [observation],
      state,
      hpa.DEFAULT_HPA_CONTROLLER_CONFIG,
      now,
    );
    state = next;
    if (result.rescale && result.desiredReplicas !== specReplicas) {
      await c.apps.patchNamespacedDeployment({
        namespace: FLEET_NAMESPACE,
        name: 'catalog',
        body: [{ op: 'replace', path: '/spec/replicas', value: result.desiredReplicas }],
      });
      o.onRescale?.(specReplicas, result.desiredReplicas, now);
    }
  };
  const every = (fn: () => Promise<void>, delayMs: number) =>
    timers.push(
      setTimeout(() => {
        void fn().catch(() => undefined);
        timers.push(setInterval(() => void fn().catch(() => undefined), syncMs));
      }, delayMs),
    );
  // Two scrapes before the first reconcile, then one every period: rates always span one period.
  void scrape().catch(() => undefined);
  every(scrape, syncMs / 2);
  every(tick, 0);
  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      await source.close();
    },
  };
}
