import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without type declarations
import { buildDist, isStale, ROOT, sourceFiles } from './build.mjs';

const out = join(ROOT, '.data', `dist-test-${process.pid}`);
const dataDir = mkdtempSync(join(tmpdir(), 'homeostat-build-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('runs the sandbox, components worker included, from JavaScript alone', async () => {
    await buildDist(out);
    const { startSandbox } = await import(join(out, 'sandbox/index.js'));
    const sandbox = await startSandbox({ dataDir, prometheus: false, processKubelet: true });
    try {
      const core = sandbox.kubeConfig().makeApiClient(CoreV1Api);
      let names: string[] = [];
      for (let i = 0; i < 100 && names.length < 2; i++) {
        names = (await core.listNode()).items.map((n: { metadata?: { name?: string } }) => n.metadata!.name!);
        if (names.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      // Both kubelets register from the worker thread, which runs dist/sandbox/components-worker.js.
      expect(names.sort()).toEqual(['sandbox', 'sandbox-virtual']);
      // The process kubelet runs the built-in echo image from its compiled JavaScript.
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name: 'echo' },
          spec: {
            containers: [
              {
                name: 'echo',
                image: 'homeostat/echo:dev',
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      });
      let ready = false;
      for (let i = 0; i < 300 && !ready; i++) {
        const pod = await core.readNamespacedPod({ namespace: 'default', name: 'echo' });
        ready =
          pod.status?.conditions?.some(
            (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
          ) ?? false;
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(true);
    } finally {
      await sandbox.stop();
    }
  });

  it('is stale once a source changes, so the bin never runs outdated code', () => {
    const stamp = join(out, '.build-stamp');
    expect(isStale(stamp)).toBe(false);
    const [first] = sourceFiles() as string[];
    const { atime, mtime } = statSync(first!);
    try {
      utimesSync(first!, atime, new Date(Date.now() + 60_000));
      expect(isStale(stamp)).toBe(true);
    } finally {
      utimesSync(first!, atime, mtime);
    }
  });
});
