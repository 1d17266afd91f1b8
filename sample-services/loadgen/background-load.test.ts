import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startBackgroundLoad } from './background-load.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('background load', () => {
  it('starts against a gateway that is not there, backs off and stops cleanly', async () => {
    const stop = new AbortController();
    const events: string[] = [];
    const load = startBackgroundLoad({
      gatewayUrl: `http://127.0.0.1:${await closedPort()}`,
      rps: 50,
      signal: stop.signal,
      backoffBaseMs: 300,
      backoffMaxMs: 600,
      logger: { info: (_f, m) => events.push(m), warn: (_f, m) => events.push(m) },
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const stats = load.stats();
    expect(stats.state).toBe('backing-off');
    expect(stats.backoffs).toBe(1);
    expect(stats.errors).toBe(stats.sent);
    expect(stats.byStatus).toEqual({ ECONNREFUSED: stats.sent });
    // 50 rps for 1.5 s would be ~75 requests; backing off keeps it to a handful.
    expect(stats.sent).toBeLessThan(20);
    expect(stats.backoffMs).toBeGreaterThanOrEqual(300);
    expect(stats.backoffMs).toBeLessThanOrEqual(600);
    stop.abort();
    await load.done;
    expect(load.stats().state).toBe('stopped');
    expect(events).toEqual([
      'background load started',
      'background load: gateway unreachable, backing off',
      'background load stopped',
    ]);
  });

  it('refuses a rate that is not a positive number', () => {
    const signal = new AbortController().signal;
    expect(() => startBackgroundLoad({ gatewayUrl: 'http://127.0.0.1:1', rps: 0, signal })).toThrow(
      'rps must be a number > 0, got 0',
    );
  });
});
