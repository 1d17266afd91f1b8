// Two operator processes (`homeostat operator run`, as the chart runs its two replicas) against
// one sandbox, with a short lease. Both become ready (the standby too), only the Lease holder
// acts; the leader is killed with SIGKILL (no chance to release the lease), the other takes over
// once the lease expires and acts from then on; every scale is done exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createPolicy,
  createVirtualDeployment,
  eventually,
  OPERATOR_NAMESPACE,
  readDecisions,
  specReplicas,
  startTestCluster,
  type TestCluster,
  waitAvailable,
} from './harness.ts';

const BIN = join(import.meta.dirname, '../../bin/homeostat.js');
const NS = 'election';
const LEASE = 'homeostat-operator';

interface OperatorProcess {
  identity: string;
  child: ChildProcess;
  decisionLogDir: string;
  healthUrl: Promise<string>;
  metricsUrl: Promise<string>;
  output: string[];
  exited: Promise<number | null>;
}

function startProcess(cluster: TestCluster, identity: string): OperatorProcess {
  const decisionLogDir = join(cluster.dir, `decisions-${identity}`);
  mkdirSync(decisionLogDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      BIN,
      'operator',
      'run',
      `--kubeconfig=${cluster.sandbox.kubeconfigPath}`,
      `--namespace=${OPERATOR_NAMESPACE}`,
      `--identity=${identity}`,
      '--host=127.0.0.1',
      '--metrics-port=0',
      '--health-port=0',
      '--leader-elect',
      `--lease-name=${LEASE}`,
      // Short, so the takeover is quick; the renew deadline leaves a graceful stop time to release.
      '--lease-duration=6s',
      '--renew-deadline=5s',
      '--retry-period=1s',
      '--evaluation-interval=1s',
      `--decision-log-dir=${decisionLogDir}`,
      '--log-level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  let resolveUrls: (v: { health: string; metrics: string }) => void;
  const urls = new Promise<{ health: string; metrics: string }>((r) => {
    resolveUrls = r;
  });
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; health?: string; metricsUrl?: string };
        if (entry.msg === 'operator started' && entry.health && entry.metricsUrl)
          resolveUrls({ health: entry.health, metrics: entry.metricsUrl.replace(/\/metrics$/, '') });
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    identity,
    child,
    decisionLogDir,
    healthUrl: urls.then((u) => u.health),
    metricsUrl: urls.then((u) => u.metrics),
    output,
    exited,
  };
}

async function metric(p: OperatorProcess, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${await p.metricsUrl}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('two operator processes with leader election', () => {
  let cluster: TestCluster;
  const procs: OperatorProcess[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster();
    await createNamespace(cluster, NS);
    await createVirtualDeployment(cluster, NS, 'web', 1);
    await waitAvailable(cluster, NS, 'web', 1);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await cluster?.stop();
  });

  it('lets only the leader act, and the other take over when the leader is killed, acting once', async () => {
    procs.push(startProcess(cluster, 'op-a'), startProcess(cluster, 'op-b'));
    const leases = cluster.kc.makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await leases.readNamespacedLease({ name: LEASE, namespace: OPERATOR_NAMESPACE })).spec?.holderIdentity;

    // Both ready: the standby too, so that the PodDisruptionBudget counts it.
    for (const p of procs) {
      const url = await Promise.race([
        p.healthUrl,
        p.exited.then((code) => {
          throw new Error(`${p.identity} exited with ${code}:\n${p.output.join('\n')}`);
        }),
      ]);
      await eventually(
        async () => (await fetch(`${url}/readyz`)).status === 200,
        30_000,
        `${p.identity} ready`,
      );
    }
    const leaderId = await eventually(holder, 20_000, 'a leader');
    const leader = procs.find((p) => p.identity === leaderId)!;
    const standby = procs.find((p) => p.identity !== leaderId)!;
    expect(leader).toBeDefined();
    await eventually(
      async () => (await metric(leader, `leader_election_master_status{name="${LEASE}"}`)) === 1,
      10_000,
      'the leader gauge',
    );
    expect(await metric(standby, `leader_election_master_status{name="${LEASE}"}`)).toBe(0);

    // Below minReplicas: one scale to 3, by the leader alone.
    await createPolicy(cluster, NS, {
      metadata: { name: 'web' },
      spec: {
        targetRef: { name: 'web' },
        slo: { latencyP99Ms: 300 },
        scaling: { minReplicas: 3, maxReplicas: 5, capacityPerReplica: 10 },
      },
    });
    await eventually(
      async () => (await specReplicas(cluster, NS, 'web')) === 3,
      20_000,
      'the first scale-up',
    );
    const applied = 'homeostat_operator_decisions_total{action="ScaleUp",outcome="Applied"}';
    await eventually(
      async () => (await metric(leader, applied)) === 1,
      10_000,
      'the leader to count its action',
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(await metric(leader, applied)).toBe(1);
    expect(await metric(standby, applied)).toBeUndefined();

    // The leader dies without releasing the lease; meanwhile the target falls below its minimum.
    leader.child.kill('SIGKILL');
    await leader.exited;
    await cluster.apps.patchNamespacedDeploymentScale({
      namespace: NS,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/replicas', value: 1 }],
    });
    await eventually(
      async () => (await holder()) === standby.identity,
      20_000,
      'the standby to take the lease',
    );
    await eventually(
      async () => (await specReplicas(cluster, NS, 'web')) === 3,
      20_000,
      'the scale-up after takeover',
    );
    await eventually(
      async () => (await metric(standby, applied)) === 1,
      10_000,
      'the new leader to count its action',
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(await metric(standby, applied)).toBe(1);
    expect(await specReplicas(cluster, NS, 'web')).toBe(3);

    // A graceful stop releases the lease.
    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
    expect(await holder()).toBe('');

    // Two needs, two scales: one per term, none repeated.
    const scales = [
      ...(await readDecisions(leader.decisionLogDir)),
      ...(await readDecisions(standby.decisionLogDir)),
    ].filter((d) => d.action === 'ScaleUp' && d.outcome === 'Applied');
    expect(scales.map((d) => [d.fromReplicas, d.toReplicas])).toEqual([
      [1, 3],
      [1, 3],
    ]);
    expect(new Set(scales.map((d) => d.id)).size).toBe(2);
  }, 90_000);
});
