// Starting a sidecar on loopback for tests, with a seeded RNG and no process metrics.
import type { ProxyMode } from '../admin-server.ts';
import type { TokenSource } from '../admin-token.ts';
import { seededRandom } from '../random.ts';
import { type ChaosProxy, startChaosProxy } from '../sidecar.ts';

export const TEST_TOKEN = 'test-admin-token-0123456789';

export function startTestProxy(
  upstreamPort: number,
  options: {
    mode?: ProxyMode;
    seed?: number;
    token?: TokenSource;
    maxTtlMs?: number;
    upstreamTimeoutMs?: number;
  } = {},
): Promise<ChaosProxy> {
  return startChaosProxy({
    mode: options.mode ?? 'http',
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstreamPort },
    admin: { host: '127.0.0.1', port: 0 },
    token: options.token ?? { token: TEST_TOKEN },
    maxTtlMs: options.maxTtlMs ?? 60_000,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? 5_000,
    random: seededRandom(options.seed ?? 7),
    defaultMetrics: false,
  });
}

/** Polls until the condition holds; throws after the timeout so a test never hangs. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One sample's value from a registry's text exposition, 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return 0;
}
