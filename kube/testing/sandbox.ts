// One sandbox per test file: API server, controllers and the virtual kubelet only (no processes, no
// Prometheus), in a temporary directory removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { type ApiServer, type Sandbox, startApiServer, startSandbox } from '../../sandbox/index.ts';

export interface TestSandbox {
  sandbox: Sandbox;
  /** A plain KubeConfig for the sandbox (without the sandbox's own connection-reuse patch). */
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
}

export async function startTestSandbox(): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-kube-'));
  const sandbox = await startSandbox({
    dataDir: dir,
    processKubelet: false,
    virtualKubelet: true,
    prometheus: false,
    // A components worker thread costs ~8 s to start (it compiles the sandbox again); these tests
    // create no pods, so the controllers share the test's thread at almost no cost.
    isolateComponents: false,
    logger: pino({ level: 'silent' }),
  });
  return {
    sandbox,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(sandbox.api.kubeconfigYaml());
      return kc;
    },
    async stop() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestApiServer {
  api: ApiServer;
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
}

/**
 * The sandbox's API server alone, for informer tests that need what startSandbox does not expose:
 * a short bookmark interval (so a quiet, healthy watch can be told from a stalled one).
 */
export async function startTestApiServer(opts: { bookmarkIntervalMs: number }): Promise<TestApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-kube-api-'));
  const api = await startApiServer({
    dataDir: dir,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    logger: pino({ level: 'silent' }),
  });
  return {
    api,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(api.kubeconfigYaml());
      return kc;
    },
    async stop() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until fn returns a truthy value; fails naming what it waited for. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function silentLogger() {
  return pino({ level: process.env.HOMEOSTAT_TEST_LOG_LEVEL ?? 'silent' });
}
