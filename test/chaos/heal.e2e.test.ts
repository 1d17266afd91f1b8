// End to end in the sandbox, everything real: the fleet's payments service as processes (small:
// 2 requests at once, 50 ms each, about 40 requests/s a replica; three replicas), each pod behind its
// chaos proxy sidecar; the chaos engine and the operator in this process against the sandbox's API
// server; open-loop load on the payments Service (through the proxies).
//  - A latency fault on one payments pod, through its proxy: while it is injected, the operator
//    pauses the policy (pauseDuringChaos, fed from the experiments' status) and resumes after.
//  - The same fault with the policy left running under load: the operator reads each pod's requests
//    and latency from its proxy sidecar, so it sees the slow pod as a latency outlier among its peers
//    and quarantines it (out of the Service); the experiment's status records the time to detect,
//    the time to heal and the verdict, read from the policy status the operator wrote.
// Three replicas: outliers are sought among at least three pods (with two, neither is an outlier:
// the robust z-score of either of two values is 0.67). No scale-out in the second test (maxReplicas 3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi, loadAllYaml, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticToken } from '../../chaos/engine/faults/index.ts';
import { parseChaosEngineOptions, type RunningChaosEngine, startChaosEngine } from '../../chaos/index.ts';
import { silentLogger } from '../../kube/testing/sandbox.ts';
import { FLEET_NAMESPACE, MANIFEST_DIR } from '../../sample-services/deploy.ts';
import { constantProfile, runOpenLoop, seededRandom } from '../../sample-services/loadgen/index.ts';
import { getOnce, patchPolicy } from '../operator/fleet.ts';
import {
  condition,
  createPolicy,
  policyStatus,
  startTestOperator,
  waitAvailable,
} from '../operator/harness.ts';
import {
  createExperiment,
  eventually,
  FAST,
  startTestCluster,
  type TestCluster,
  waitPhase,
} from './harness.ts';

/** The demo token of sample-services/manifests/01-secrets.yaml (Secret chaos-proxy-token). */
const PROXY_TOKEN = 'homeostat-demo-chaos-proxy-token-change-me';
const SMALL_PAYMENTS: Readonly<Record<string, string>> = {
  CAPACITY_CONCURRENCY: '2',
  QUEUE_LIMIT: '256',
  SERVICE_TIME_MS: '50',
  SERVICE_TIME_SIGMA: '0.2',
  LOG_LEVEL: 'warn',
};
const PAYMENTS = { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } } };

/** The fleet's namespace, Secrets, Services and its payments Deployment, small, three replicas. */
async function deployPayments(c: TestCluster): Promise<string> {
  const objects = c.kc.makeApiClient(KubernetesObjectApi);
  for (const file of ['00-namespace.yaml', '01-secrets.yaml', '02-services.yaml', 'payments.yaml']) {
    for (const obj of loadAllYaml(readFileSync(join(MANIFEST_DIR, file), 'utf8'))) {
      if (obj.kind === 'Deployment') {
        const d = obj as V1Deployment;
        d.spec!.replicas = 3;
        for (const container of d.spec!.template.spec!.containers) {
          container.env = [
            ...(container.env ?? []).filter((e) => !(e.name in SMALL_PAYMENTS) && e.name !== 'DATA_DIR'),
            ...Object.entries(SMALL_PAYMENTS).map(([name, value]) => ({ name, value })),
            { name: 'DATA_DIR', value: join(c.dir, 'payments') },
          ];
        }
      }
      await objects.patch(obj, undefined, undefined, 'homeostat-test', true, 'application/apply-patch+yaml');
    }
  }
  await waitAvailable(c, FLEET_NAMESPACE, 'payments', 3, 60_000);
  const svc = await c.core.readNamespacedService({ name: 'payments', namespace: FLEET_NAMESPACE });
  return `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port ?? 8080}`;
}

/** Open-loop load on the payments Service, a connection per request (the service proxy balances connections). */
function startLoad(url: string, rps: number) {
  const abort = new AbortController();
  const done = runOpenLoop({
    segments: constantProfile({ rps, durationSeconds: 120 }).segments,
    random: seededRandom(11),
    operation: async (_arrival, signal) => ({
      kind: 'charges',
      ...(await getOnce(`${url}/api/v1/charges?orderId=00000000-0000-4000-8000-000000000000`, signal)),
    }),
    signal: abort.signal,
    drainTimeoutMs: 2000,
  });
  return {
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

describe('chaos on the fleet with the real operator', { timeout: 150_000 }, () => {
  let c: TestCluster;
  let engine: RunningChaosEngine | undefined;
  let operator: Awaited<ReturnType<typeof startTestOperator>> | undefined;
  let paymentsUrl: string;

  beforeAll(async () => {
    c = await startTestCluster({ processKubelet: true });
    paymentsUrl = await deployPayments(c);
    engine = await startChaosEngine(parseChaosEngineOptions({ ...FAST }), {
      kubeConfig: c.kc,
      logger: silentLogger(),
      proxyToken: staticToken(PROXY_TOKEN),
    });
    operator = await startTestOperator(c);
  }, 90_000);

  afterAll(async () => {
    await engine?.stop();
    await operator?.stop();
    await c?.stop();
  });

  const paused = async () => condition(await policyStatus(c, FLEET_NAMESPACE, 'payments'), 'Paused');

  it('pauses the policy while a proxy latency fault is injected on one of its pods, and resumes after', async () => {
    await createPolicy(c, FLEET_NAMESPACE, {
      metadata: { name: 'payments' },
      spec: {
        targetRef: { name: 'payments' },
        slo: { latencyP99Ms: 500, errorRatio: 0.05 },
        // Above the true 40 requests/s a replica: the request rate read on a busy two-core machine
        // jumps by half, which must not scale out before the fault. The latency breach after it does.
        scaling: { minReplicas: 3, maxReplicas: 5, capacityPerReplica: 60, targetUtilization: 1 },
        healing: { restartUnhealthy: { enabled: false }, quarantineOutliers: { enabled: false } },
        guardrails: { pauseDuringChaos: true, cooldownSeconds: 5 },
      },
    });
    await eventually(async () => (await paused())?.status === 'False', 20_000, 'the policy to be Ready');
    await createExperiment(c, FLEET_NAMESPACE, {
      metadata: { name: 'payments-latency' },
      spec: {
        selector: PAYMENTS,
        mode: 'One',
        fault: { kind: 'Latency', latency: { latencyMs: 400, jitterMs: 50 } },
        duration: '8s',
      },
    });
    const running = await waitPhase(c, FLEET_NAMESPACE, 'payments-latency', ['Running']);
    const target = running.targets![0]!;
    // The fault is on the target's proxy, as the engine's status says.
    const pod = await c.core.readNamespacedPod({ namespace: FLEET_NAMESPACE, name: target.pod });
    const listed = await fetch(`http://${pod.status!.podIP}:15090/faults`, {
      headers: { authorization: `Bearer ${PROXY_TOKEN}` },
    });
    const { faults } = (await listed.json()) as { faults: { id: string; type: string }[] };
    expect(faults.filter((f) => f.id.startsWith('hx-')).map((f) => f.type)).toEqual(['latency']);

    const during = await eventually(
      async () => {
        const p = await paused();
        return p?.status === 'True' ? p : undefined;
      },
      15_000,
      'the policy to pause',
    );
    expect(during.reason).toBe('ChaosExperimentRunning');

    const ended = await waitPhase(c, FLEET_NAMESPACE, 'payments-latency', ['Completed', 'Aborted', 'Failed']);
    expect(ended.phase).toBe('Completed');
    await eventually(async () => (await paused())?.status === 'False', 15_000, 'the policy to resume');
  });

  it('quarantines the pod a proxy latency fault slows down, and the experiment records detect and heal times', async () => {
    await patchPolicy(c, 'payments', {
      // No scale-out: the latency breach alone would also add replicas, whose warm-up on a busy
      // machine can keep the SLO breached after the quarantine and blur what healed it.
      scaling: { maxReplicas: 3 },
      healing: { quarantineOutliers: { enabled: true, minPeers: 3, latencyFactor: 3, maxQuarantined: 1 } },
      guardrails: { pauseDuringChaos: false },
    });
    const load = startLoad(paymentsUrl, 60);
    let watch: ReturnType<typeof setInterval> | undefined;
    try {
      // Three replicas carry 60 requests/s; the SLO holds before the fault.
      await eventually(
        async () => {
          const status = await policyStatus(c, FLEET_NAMESPACE, 'payments');
          return (
            condition(status, 'SLOMet')?.status === 'True' &&
            condition(status, 'Paused')?.status === 'False' &&
            (status?.quarantinedPods ?? []).length === 0
          );
        },
        30_000,
        'the SLO to hold on three replicas under load before the fault',
      );
      await createExperiment(c, FLEET_NAMESPACE, {
        metadata: { name: 'payments-slow-pod' },
        spec: {
          selector: PAYMENTS,
          mode: 'One',
          fault: { kind: 'Latency', latency: { latencyMs: 900, jitterMs: 200 } },
          duration: '30s',
        },
      });
      // What the operator wrote, each second: shown when an assertion on the measurements fails.
      const timeline: string[] = [];
      const t0 = Date.now();
      watch = setInterval(async () => {
        const st = await policyStatus(c, FLEET_NAMESPACE, 'payments').catch(() => undefined);
        const slo = condition(st, 'SLOMet');
        const quarantined = (st?.quarantinedPods ?? []).map((q) => q.pod).join(',');
        timeline.push(
          `+${((Date.now() - t0) / 1000).toFixed(1)}s SLOMet=${slo?.status} since ${slo?.lastTransitionTime} p99=${st?.observed?.latencyP99Ms}ms quarantined=[${quarantined}]`,
        );
      }, 1000);
      const running = await waitPhase(c, FLEET_NAMESPACE, 'payments-slow-pod', ['Running']);
      const slow = running.targets![0]!.pod;

      // The operator sees the slow pod in its proxy's metrics and takes it out of the Service.
      await eventually(
        async () => {
          const status = await policyStatus(c, FLEET_NAMESPACE, 'payments');
          return status?.quarantinedPods?.some((q) => q.pod === slow);
        },
        40_000,
        `the operator to quarantine ${slow}`,
      );
      // Relabelled: the Service no longer selects it.
      const svc = await c.core.readNamespacedService({ name: 'payments', namespace: FLEET_NAMESPACE });
      const labels = (await c.core.readNamespacedPod({ name: slow, namespace: FLEET_NAMESPACE })).metadata
        ?.labels;
      const selected = Object.entries(svc.spec?.selector ?? {}).every(([k, v]) => labels?.[k] === v);
      expect(selected).toBe(false);

      const s = await waitPhase(
        c,
        FLEET_NAMESPACE,
        'payments-slow-pod',
        ['Completed', 'Aborted', 'Failed'],
        60_000,
      );
      clearInterval(watch);
      const decisions = (await policyStatus(c, FLEET_NAMESPACE, 'payments'))?.lastDecisions ?? [];
      const trace = [
        `run started ${s.startTime}, status ${JSON.stringify(s.measurements)}`,
        ...timeline,
        ...decisions.map((d) => `${d.time} ${d.action}/${d.outcome}: ${d.message}`),
      ].join('\n');
      expect(s.phase, trace).toBe('Completed');
      const m = s.measurements!;
      expect(m, trace).toMatchObject({
        timeToDetectSeconds: expect.any(Number),
        timeToHealSeconds: expect.any(Number),
      });
      expect(m.timeToDetectSeconds).toBeGreaterThanOrEqual(0);
      expect(m.timeToHealSeconds).toBeGreaterThan(m.timeToDetectSeconds!);
      expect(s.verdict, trace).toBe('Passed');
      const after = decisions.filter((d) => Date.parse(d.time) >= Date.parse(s.startTime!));
      expect(after).toContainEqual(
        expect.objectContaining({ action: 'Quarantine', pod: slow, outcome: 'Applied' }),
      );
      console.info(
        `payments-slow-pod: detect ${m.timeToDetectSeconds} s, heal ${m.timeToHealSeconds} s, peak p99 ${m.peakLatencyP99Ms} ms; ` +
          `decisions ${after.map((d) => `${d.action}/${d.outcome}`).join(', ')}`,
      );
    } finally {
      clearInterval(watch);
      await load.stop();
    }
  });
});
