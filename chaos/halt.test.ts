// The cluster-wide halt against a sandbox API server: set, read, lifted, watched through an
// informer, flipped by hand the way kubectl would, and driven by the CLI's halt and resume.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InformerFactory, KubeClient } from '../kube/index.ts';
import { startTestSandbox, type TestSandbox } from '../kube/testing/sandbox.ts';
import { haltCommand, resumeCommand } from '../operator/cli.ts';
import {
  clearHalt,
  HALT_CONFIGMAP,
  type HaltState,
  HaltWatcher,
  haltFromConfigMap,
  readHalt,
  setHalt,
} from './index.ts';

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the cluster-wide halt', () => {
  let sb: TestSandbox;
  let client: KubeClient;
  let core: CoreV1Api;

  beforeAll(async () => {
    sb = await startTestSandbox();
    client = new KubeClient(sb.kubeConfig());
    core = sb.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of ['ops', 'cli']) await core.createNamespace({ body: { metadata: { name } } });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await sb?.stop();
  });

  it('reads only "true" as halted', () => {
    expect(haltFromConfigMap(undefined)).toEqual({ halted: false });
    expect(haltFromConfigMap({ data: { halted: ' TRUE ', reason: 'r', by: 'b', since: 's' } })).toEqual({
      halted: true,
      reason: 'r',
      by: 'b',
      since: 's',
    });
    expect(haltFromConfigMap({ data: { halted: 'yes' } }).halted).toBe(false);
  });

  it('is set with a reason, keeps when it began, and is lifted', async () => {
    expect(await readHalt(client, 'ops')).toEqual({ halted: false });
    await expect(setHalt(client, 'ops', { reason: '   ' })).rejects.toThrow('a halt needs a reason');

    const t1 = new Date('2025-06-02T12:00:00Z');
    const first = await setHalt(client, 'ops', { reason: 'incident 7', by: 'alice', now: t1 });
    expect(first).toEqual({ halted: true, reason: 'incident 7', by: 'alice', since: t1.toISOString() });
    const cm = await core.readNamespacedConfigMap({ namespace: 'ops', name: HALT_CONFIGMAP });
    expect(cm.data).toEqual({ halted: 'true', reason: 'incident 7', by: 'alice', since: t1.toISOString() });

    // Halting again updates the reason but not when the halt began.
    const again = await setHalt(client, 'ops', { reason: 'incident 7, still', by: 'bob', now: new Date() });
    expect(again).toMatchObject({
      halted: true,
      reason: 'incident 7, still',
      by: 'bob',
      since: t1.toISOString(),
    });

    const t2 = new Date('2025-06-02T12:30:00Z');
    const lifted = await clearHalt(client, 'ops', { by: 'alice', now: t2 });
    expect(lifted).toEqual({ halted: false, by: 'alice', since: t2.toISOString() });
    expect((await readHalt(client, 'ops')).halted).toBe(false);
  });

  it('is seen by a watcher at once, including a change made by hand with a plain patch', async () => {
    const factory = new InformerFactory(client);
    const watcher = new HaltWatcher(factory, 'ops');
    const seen: HaltState[] = [];
    watcher.onChange((s) => seen.push(s));
    factory.start();
    try {
      await factory.waitForSync({ timeoutMs: 10_000 });
      expect(watcher.current().halted).toBe(false);
      await setHalt(client, 'ops', { reason: 'freeze for the migration', by: 'carol' });
      await until(() => (watcher.current().halted ? true : undefined), 'the watcher to see the halt');
      expect(watcher.current()).toMatchObject({ reason: 'freeze for the migration', by: 'carol' });

      // What `kubectl patch cm homeostat-halt --type merge -p '{"data":{"halted":"false"}}'` sends.
      await client.request('PATCH', `/api/v1/namespaces/ops/configmaps/${HALT_CONFIGMAP}`, {
        body: { data: { halted: 'false' } },
      });
      await until(() => (watcher.current().halted ? undefined : true), 'the watcher to see the halt lifted');
      expect(seen.map((s) => s.halted)).toEqual([true, false]);
    } finally {
      await factory.stop();
    }
  });

  it('is driven from the command line: homeostat halt and homeostat resume', async () => {
    const args = ['--namespace', 'cli', '--kubeconfig', sb.sandbox.kubeconfigPath, '--by', 'dave'];
    // The commands as bin/cli.ts mounts them, run in this process (a child per call costs seconds).
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    try {
      await haltCommand().parseAsync(['--reason', 'game day', ...args], { from: 'user' });
      expect(await readHalt(client, 'cli')).toMatchObject({ halted: true, reason: 'game day', by: 'dave' });
      await resumeCommand().parseAsync(args, { from: 'user' });
      expect((await readHalt(client, 'cli')).halted).toBe(false);
      await resumeCommand().parseAsync(args, { from: 'user' });
    } finally {
      log.mockRestore();
    }
    expect(out[0]).toMatch(
      /^Halted since \S+ by dave: game day\nNo healing action and no chaos runs until: homeostat resume --namespace cli$/,
    );
    expect(out[1]).toMatch(/^Resumed at \S+ by dave: healing and chaos may act again\.$/);
    expect(out[2]).toBe('Nothing is halted; nothing changed.');
  });
});
