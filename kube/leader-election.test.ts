import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from './client.ts';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.ts';
import { eventually, silentLogger, startTestSandbox, type TestSandbox } from './testing/sandbox.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';

const ns = 'kube-leader-test';
let t: TestSandbox;
let leases: CoordinationV1Api;
const clients: KubeClient[] = [];
let leaseCounter = 0;

beforeAll(async () => {
  t = await startTestSandbox();
  const admin = new KubeClient(t.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
  clients.push(admin);
  await admin.api(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  leases = admin.api(CoordinationV1Api);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t?.stop();
});

/** A candidate with short timings, recording when (monotonic) it started and stopped leading. */
function candidate(
  identity: string,
  lease: string,
  kc: KubeConfig,
  opts: Partial<LeaderElectorOptions> = {},
) {
  const client = new KubeClient(kc, { qps: Number.POSITIVE_INFINITY, requestTimeoutMs: 5000 });
  clients.push(client);
  const log = {
    started: [] as number[],
    stopped: [] as number[],
    newLeaders: [] as string[],
    gauge: [] as boolean[],
  };
  const elector = new LeaderElector({
    client,
    namespace: ns,
    name: lease,
    identity,
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    logger: silentLogger(),
    metrics: { leader: (_name, isLeader) => log.gauge.push(isLeader) },
    onStartedLeading: (signal) =>
      new Promise<void>((resolve) => {
        log.started.push(performance.now());
        signal.addEventListener('abort', () => {
          log.stopped.push(performance.now());
          resolve();
        });
      }),
    onNewLeader: (id) => log.newLeaders.push(id),
    ...opts,
  });
  return { elector, log };
}

const readLease = (name: string) => leases.readNamespacedLease({ namespace: ns, name });

describe('LeaderElector', () => {
  it('of two candidates, exactly one leads, and both agree who', async () => {
    const lease = `both-${++leaseCounter}`;
    const a = candidate('a', lease, t.kubeConfig());
    const b = candidate('b', lease, t.kubeConfig());
    a.elector.start();
    b.elector.start();
    const leader = await eventually(
      () => (a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined),
      'a leader',
    );
    const other = leader === a ? b : a;
    await eventually(() => other.log.newLeaders.length > 0, 'the other candidate to see the leader');
    // Several renewals later, still one leader.
    await new Promise((r) => setTimeout(r, 600));
    expect(leader.elector.isLeader()).toBe(true);
    expect(other.elector.isLeader()).toBe(false);
    expect(other.log.started).toEqual([]);
    expect(a.log.newLeaders[0]).toBe(leader.elector.identity);
    expect(b.log.newLeaders[0]).toBe(leader.elector.identity);
    const l = await readLease(lease);
    expect(l.spec?.holderIdentity).toBe(leader.elector.identity);
    expect(l.spec?.leaseDurationSeconds).toBe(2);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it('a leader cut off from the API server stops leading before another candidate takes over', async () => {
    const lease = `cut-${++leaseCounter}`;
    const proxy = await TcpProxy.start(t.sandbox.api.url);
    try {
      const a = candidate('a', lease, proxy.kubeConfig());
      const b = candidate('b', lease, t.kubeConfig());
      a.elector.start();
      await eventually(() => a.elector.isLeader(), 'a to lead');
      b.elector.start();
      await eventually(() => b.log.newLeaders.includes('a'), 'b to see a leading');
      const transitionsBefore = (await readLease(lease)).spec?.leaseTransitions ?? 0;

      // A's connections go half-dead: requests hang rather than fail.
      proxy.setMode('blackhole');
      proxy.freezeAll();
      await eventually(() => b.elector.isLeader(), 'b to take over', 10_000);

      expect(a.log.stopped).toHaveLength(1);
      expect(b.log.started).toHaveLength(1);
      expect(a.log.stopped[0]!).toBeLessThan(b.log.started[0]!);
      expect(a.elector.isLeader()).toBe(false);
      expect(a.log.gauge).toEqual([false, true, false]);
      const after = await readLease(lease);
      expect(after.spec?.holderIdentity).toBe('b');
      expect(after.spec?.leaseTransitions).toBe(transitionsBefore + 1);

      // When the network heals, A sees B leading and stays a follower.
      proxy.setMode('forward');
      await eventually(() => a.log.newLeaders.includes('b'), 'a to see b leading');
      expect(a.elector.isLeader()).toBe(false);
      await Promise.all([a.elector.stop(), b.elector.stop()]);
    } finally {
      await proxy.close();
    }
  });

  it('a leader that stops gracefully finishes its work, releases the lease, and hands over at once', async () => {
    const lease = `handover-${++leaseCounter}`;
    // Expiry would take 20 s: a handover within the wait below can only come from the release.
    const slow = { leaseDurationMs: 20_000 };
    let stoppedLeading = 0;
    const a = candidate('a', lease, t.kubeConfig(), { ...slow, onStoppedLeading: () => stoppedLeading++ });
    const b = candidate('b', lease, t.kubeConfig(), slow);
    a.elector.start();
    await eventually(() => a.elector.isLeader(), 'a to lead');
    b.elector.start();
    await eventually(() => b.log.newLeaders.includes('a'), 'b to see a leading');

    await a.elector.stop();
    expect(stoppedLeading).toBe(1);
    expect((await readLease(lease)).spec?.holderIdentity ?? '').not.toBe('a');
    await eventually(() => b.elector.isLeader(), 'b to take over after the release', 5000);
    expect(a.log.stopped[0]!).toBeLessThan(b.log.started[0]!);
    expect((await readLease(lease)).spec?.holderIdentity).toBe('b');
    await b.elector.stop();
    expect((await readLease(lease)).spec?.holderIdentity ?? '').toBe('');
  });

  it('refuses timings that cannot keep two leaders apart', () => {
    const client = clients[0]!;
    const base = { client, namespace: ns, name: 'x', identity: 'i', onStartedLeading: () => {} };
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000, retryPeriodMs: 200 }),
    ).toThrow(/leaseDurationMs \(1000\) must be greater than renewDeadlineMs \(1000\)/);
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(
      /retryPeriodMs/,
    );
    expect(() => new LeaderElector({ ...base, identity: '' })).toThrow(/identity/);
  });
});
