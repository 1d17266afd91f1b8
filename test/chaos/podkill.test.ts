// End to end in the sandbox: selection + PodKill, the plan matching the run, and the safety checks
// (protected and not-opted-in namespaces, zero targets) failing with a condition and no injection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chaosCommand, formatPlan, planAgainstCluster } from '../../chaos/cli.ts';
import { secretToken } from '../../chaos/engine/faults/index.ts';
import type { RunningChaosEngine } from '../../chaos/index.ts';
import { readHalt } from '../../chaos/index.ts';
import { assertChaosExperiment } from '../../crds/index.ts';
import { KubeClient } from '../../kube/index.ts';
import {
  createExperiment,
  createNamespace,
  createVirtualDeployment,
  eventually,
  getExperiment,
  OPERATOR_NAMESPACE,
  runningPods,
  startEngine,
  startTestCluster,
  type TestCluster,
  waitPhase,
} from './harness.ts';

describe('chaos engine: PodKill and safety, in the sandbox', { timeout: 90_000 }, () => {
  let c: TestCluster;
  let engine: RunningChaosEngine;

  beforeAll(async () => {
    c = await startTestCluster();
    await createNamespace(c, 'shop', true);
    await createNamespace(c, 'plain', false);
    await createVirtualDeployment(c, 'shop', 'orders', 4);
    await createVirtualDeployment(c, 'plain', 'orders', 1);
    await eventually(
      async () => (await runningPods(c, 'shop', 'orders')).length === 4,
      20_000,
      '4 orders pods',
    );
    // Leader-elected, as in production (short timings for the test).
    engine = await startEngine(c, {
      leaderElect: true,
      leaseDuration: '3s',
      renewDeadline: '2s',
      retryPeriod: '500ms',
    });
    await eventually(() => engine.isLeader(), 15_000, 'the engine to lead');
  });

  afterAll(async () => {
    await engine?.stop();
    await c?.stop();
  });

  it('kills the planned pods (same seed, same pods, same targets) and completes', async () => {
    const exp = {
      metadata: { name: 'orders-kill', namespace: 'shop' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'orders' } } },
        mode: 'Fixed' as const,
        value: 2,
        fault: { kind: 'PodKill' as const },
        duration: '1s',
        seed: 42,
        blastRadius: { maxPods: 2 },
      },
    };
    const client = new KubeClient(c.kc);
    const safety = {
      protectedNamespaces: ['kube-system', OPERATOR_NAMESPACE],
      clusterMaxTargets: 20,
      clusterMaxExperiments: 5,
    };
    const parsed = assertChaosExperiment({
      apiVersion: 'homeostat.dev/v1alpha1',
      kind: 'ChaosExperiment',
      ...exp,
    });
    const plan = await planAgainstCluster(client, parsed, 'shop', safety);
    client.close();
    expect(plan.ok).toBe(true);
    expect(formatPlan(plan, parsed, true)).toMatch(/Blast radius: 2 of 4 eligible pods \(50%\), maxPods 2/);
    const before = new Map(
      (await runningPods(c, 'shop', 'orders')).map((p) => [p.metadata!.name!, p.metadata!.uid!]),
    );

    await createExperiment(c, 'shop', exp);
    const status = await waitPhase(c, 'shop', 'orders-kill', ['Completed', 'Failed', 'Aborted']);
    expect(status.phase).toBe('Completed');
    expect(status.seed).toBe(42);
    expect(status.targets!.map((t) => t.pod)).toEqual(plan.targets.map((t) => t.name));
    for (const t of status.targets!) {
      expect(t.injectedAt).toBeDefined();
      expect(t.recoveredAt).toBeDefined();
      expect(t.error).toBeUndefined();
    }
    // The killed pods are gone (or replaced), and the Deployment brings the count back.
    await eventually(
      async () => {
        const now = await runningPods(c, 'shop', 'orders');
        const uids = new Set(now.map((p) => p.metadata!.uid));
        return now.length === 4 && status.targets!.every((t) => !uids.has(before.get(t.pod)));
      },
      20_000,
      'the killed pods to be replaced',
    );
    // Each phase change is a Kubernetes Event on the experiment (kubectl describe tells the story).
    await eventually(
      async () => {
        const events = await c.core.listNamespacedEvent({ namespace: 'shop' });
        const reasons = events.items
          .filter(
            (e) => e.involvedObject.name === 'orders-kill' && e.involvedObject.kind === 'ChaosExperiment',
          )
          .map((e) => e.reason);
        return ['Injecting', 'Running', 'Recovering', 'Completed'].every((r) => reasons.includes(r));
      },
      10_000,
      'the phase Events',
    );
    const obj = await getExperiment(c, 'shop', 'orders-kill');
    expect(obj!.metadata.finalizers).toContain('homeostat.dev/chaos-recovery');
    expect(obj!.status!.conditions!.find((x) => x.type === 'FaultInjected')).toMatchObject({
      status: 'False',
      reason: 'Recovered',
    });
  });

  it.each([
    ['plain', 'plain', 'NamespaceNotOptedIn'],
    ['shop', 'kube-system', 'ProtectedNamespace'],
    ['shop', OPERATOR_NAMESPACE, 'ProtectedNamespace'],
  ])('an experiment in %s targeting %s fails with %s and injects nothing', async (ns, target, reason) => {
    const name = `bad-${target}`.slice(0, 40);
    const before = (await runningPods(c, target, 'orders')).length;
    await createExperiment(c, ns, {
      metadata: { name },
      spec: {
        selector: { namespaces: [target], labelSelector: { matchLabels: { app: 'orders' } } },
        mode: 'All',
        fault: { kind: 'PodKill' },
        duration: '1s',
      },
    });
    const status = await waitPhase(c, ns, name, ['Failed', 'Completed']);
    expect(status.phase).toBe('Failed');
    expect(status.targets ?? []).toEqual([]);
    expect(status.conditions!.find((x) => x.type === 'Planned')).toMatchObject({ status: 'False', reason });
    expect((await runningPods(c, target, 'orders')).length).toBe(before);
  });

  it('an experiment that selects zero pods fails with NoTargets', async () => {
    await createExperiment(c, 'shop', {
      metadata: { name: 'nobody' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'ghost' } } },
        fault: { kind: 'PodKill' },
        duration: '1s',
      },
    });
    const status = await waitPhase(c, 'shop', 'nobody', ['Failed', 'Completed']);
    expect(status.phase).toBe('Failed');
    expect(status.message).toMatch(/matches no running pod in shop/);
    expect(status.conditions!.find((x) => x.type === 'Planned')?.reason).toBe('NoTargets');
  });

  it('the CLI plans, runs, lists, halts and resumes against the cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
    const file = join(dir, 'exp.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: homeostat.dev/v1alpha1',
        'kind: ChaosExperiment',
        'metadata: {name: cli-kill, namespace: shop}',
        'spec:',
        '  selector: {labelSelector: {matchLabels: {app: orders}}}',
        '  mode: One',
        '  fault: {kind: PodKill}',
        '  duration: 1s',
        '  seed: 7',
      ].join('\n'),
    );
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const cli = (...args: string[]) =>
      chaosCommand().parseAsync([...args, '--kubeconfig', c.sandbox.kubeconfigPath], { from: 'user' });
    try {
      await cli('plan', '-f', file);
      expect(out.join('\n')).toMatch(/Result: +OK: 1 of 4 eligible pods selected \(One, seed 7\)/);
      expect(out.join('\n')).toMatch(/Targets:\n {2}shop\/orders-/);
      await cli('run', '-f', file);
      expect(out.at(-1)).toBe('chaosexperiment shop/cli-kill created');
      await waitPhase(c, 'shop', 'cli-kill', ['Completed']);
      await cli('list', '-n', 'shop');
      expect(out.at(-1)).toMatch(/shop\s+cli-kill\s+PodKill\s+Completed\s+Inconclusive\s+1/);
      await cli('halt', '--reason', 'cli test', '--namespace', OPERATOR_NAMESPACE, '--by', 'tester');
      const client = new KubeClient(c.kc);
      expect(await readHalt(client, OPERATOR_NAMESPACE)).toMatchObject({
        halted: true,
        reason: 'cli test',
        by: 'tester',
      });
      await cli('resume', '--namespace', OPERATOR_NAMESPACE);
      expect((await readHalt(client, OPERATOR_NAMESPACE)).halted).toBe(false);
      client.close();
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the proxies' admin token from the Secret in the target namespace", async () => {
    const client = new KubeClient(c.kc);
    try {
      const token = secretToken(client);
      await expect(token('shop')).rejects.toThrow(/no Secret shop\/chaos-proxy-token/);
      await c.core.createNamespacedSecret({
        namespace: 'shop',
        body: {
          metadata: { name: 'chaos-proxy-token' },
          stringData: { token: 'shop-proxy-token-0123456789' },
        },
      });
      expect(await token('shop')).toBe('shop-proxy-token-0123456789');
      await c.core.createNamespacedSecret({
        namespace: 'plain',
        body: { metadata: { name: 'chaos-proxy-token' }, stringData: { other: 'x' } },
      });
      await expect(token('plain')).rejects.toThrow(/Secret plain\/chaos-proxy-token has no "token" key/);
    } finally {
      client.close();
    }
  });
});
