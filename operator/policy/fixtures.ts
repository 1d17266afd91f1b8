/**
 * Test support: a healthy target and its policy, to vary in tests. Not part of the public surface.
 * The orders service: 4 replicas of 40 req/s capacity planned at 70% (28 req/s each), p99 SLO
 * 300 ms, error ratio SLO 1%.
 */
import type { ResiliencePolicyInput, ResiliencePolicySpec } from '../../crds/index.ts';
import type { EngineInput, PodSignals, SampleInput } from './types.ts';

export const T0 = Date.UTC(2025, 5, 2, 12, 0, 0);
export const CAPACITY = 28;
export const MIB = 1024 * 1024;

type SpecInput = Omit<Partial<ResiliencePolicySpec>, 'scaling' | 'healing' | 'guardrails' | 'slo'> & {
  slo?: Record<string, unknown>;
  scaling?: Record<string, unknown> | null;
  healing?: Record<string, unknown>;
  guardrails?: Record<string, unknown>;
};

export function sample(value: number | undefined, ageSeconds = 5, now = T0): SampleInput {
  return value === undefined ? {} : { value, observedAt: now - ageSeconds * 1000 };
}

/** A flat memory series over the last ten minutes, optionally growing by `mibPerMin`. */
export function memorySeries(baseMiB: number, mibPerMin: number, now = T0): PodSignals['memorySeries'] {
  return Array.from({ length: 11 }, (_, i) => ({
    at: now - (10 - i) * 60_000,
    bytes: (baseMiB + mibPerMin * i) * MIB,
  }));
}

export interface ScenarioOptions {
  replicas?: number;
  /** Pods beyond `replicas` (e.g. during a rollout). */
  extraPods?: number;
  rps?: number | undefined;
  latency?: number | undefined;
  errorRatio?: number | undefined;
  podLatency?: (i: number) => number | undefined;
  podErrors?: (i: number) => number | undefined;
  spec?: SpecInput;
  now?: number;
}

/** A healthy target whose load fits its replicas; override what a test is about. */
export function scenario(o: ScenarioOptions = {}): EngineInput & { now: number } {
  const now = o.now ?? T0;
  const replicas = o.replicas ?? 4;
  const podCount = replicas + (o.extraPods ?? 0);
  const rps = 'rps' in o ? o.rps : replicas * CAPACITY;
  const latency = 'latency' in o ? o.latency : 120;
  const errorRatio = 'errorRatio' in o ? o.errorRatio : 0.001;
  const names = Array.from({ length: podCount }, (_, i) => `orders-7d9f-${i}`);
  const { scaling, ...rest } = o.spec ?? {};
  const spec = {
    targetRef: { name: 'orders' },
    slo: { latencyP99Ms: 300, errorRatio: 0.01 },
    ...(scaling === null
      ? {}
      : {
          scaling: {
            minReplicas: 2,
            maxReplicas: 12,
            capacityPerReplica: 40,
            targetUtilization: 0.7,
            ...(scaling ?? {}),
          },
        }),
    healing: {
      quarantineOutliers: {
        enabled: true,
        minPeers: 3,
        maxQuarantined: 1,
        latencyFactor: 3,
        retainSeconds: 900,
      },
      restartUnhealthy: { enabled: true, notReadySeconds: 120, memoryGrowthMiBPerMin: 8 },
      rollback: { enabled: true, windowSeconds: 900 },
    },
    ...rest,
  };
  return {
    now,
    policy: { name: 'orders', namespace: 'shop', generation: 3, spec: spec as ResiliencePolicyInput['spec'] },
    target: {
      deployment: {
        name: 'orders',
        specReplicas: replicas,
        statusReplicas: podCount,
        readyReplicas: podCount,
        currentRevision: '2',
        previousRevision: '1',
        rolloutStartedAt: now - 6 * 3_600_000,
      },
      pods: names.map((name) => ({
        name,
        ready: true,
        phase: 'Running' as const,
        startedAt: now - 3_600_000,
        readyTransitionAt: now - 3_590_000,
        revision: '2',
      })),
    },
    signals: {
      target: {
        requestRate: sample(rps, 5, now),
        latencyP50Ms: sample(latency === undefined ? undefined : latency / 3, 5, now),
        latencyP99Ms: sample(latency, 5, now),
        errorRatio: sample(errorRatio, 5, now),
      },
      pods: Object.fromEntries(
        names.map((name, i) => [
          name,
          {
            requestRate: sample(rps === undefined ? undefined : rps / podCount, 5, now),
            latencyP99Ms: sample(o.podLatency ? o.podLatency(i) : latency, 5, now),
            errorRatio: sample(o.podErrors ? o.podErrors(i) : errorRatio, 5, now),
            memorySeries: memorySeries(200, 0, now),
          },
        ]),
      ),
    },
  };
}
