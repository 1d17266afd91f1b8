import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerProber } from './container-prober.ts';
import { type HandlerContext, resolvePort, runHandler } from './probe-handlers.ts';
import { ProbeTracker, probeTiming } from './probe-tracker.ts';

describe('ProbeTracker', () => {
  it('flips only after the configured run of consecutive results', () => {
    const t = new ProbeTracker('readiness', { successThreshold: 2, failureThreshold: 3 });
    expect(t.result).toBe(false);
    expect(t.record(true)).toBe(false);
    expect(t.record(true)).toBe(true);
    expect(t.result).toBe(true);
    expect(t.record(false)).toBe(false);
    expect(t.record(false)).toBe(false);
    expect(t.record(true)).toBe(false); // run broken
    expect(t.record(false)).toBe(false);
    expect(t.record(false)).toBe(false);
    expect(t.record(false)).toBe(true);
    expect(t.result).toBe(false);
  });

  it('starts liveness passing and startup unknown', () => {
    expect(new ProbeTracker('liveness', { successThreshold: 1, failureThreshold: 1 }).result).toBe(true);
    const startup = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 2 });
    expect(startup.result).toBeUndefined();
    expect(startup.record(false)).toBe(false);
    expect(startup.record(false)).toBe(true);
  });

  it('defaults timing like the API server', () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(probeTiming({ periodSeconds: 2, timeoutSeconds: 0, initialDelaySeconds: 3 })).toMatchObject({
      periodMs: 2000,
      timeoutMs: 1000,
      initialDelayMs: 3000,
    });
  });
});

describe('probe handlers', () => {
  let server: Server;
  let port: number;
  let lastHeaders: IncomingHttpHeaders = {};
  let healthy = true;
  beforeAll(async () => {
    server = createServer((req, res) => {
      lastHeaders = req.headers;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/redirect') return void res.writeHead(302, { Location: '/elsewhere' }).end();
      res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'sick');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const ctx = (overrides: Partial<HandlerContext> = {}): HandlerContext => ({
    podIP: '127.0.0.1',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hi' },
    cwd: '/tmp',
    ports: [{ name: 'http', containerPort: port }],
    timeoutMs: 500,
    ...overrides,
  });

  it('httpGet succeeds on 2xx/3xx, sends kube-probe headers plus custom ones, resolves named ports', async () => {
    healthy = true;
    const ok = await runHandler(
      { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } },
      ctx(),
    );
    expect(ok).toEqual({ ok: true, message: 'ok' });
    expect(lastHeaders['user-agent']).toBe('kube-probe/1.32');
    expect(lastHeaders['x-probe']).toBe('yes');
    expect((await runHandler({ httpGet: { path: '/redirect', port } }, ctx())).ok).toBe(true);
  });

  it('httpGet fails with the kubelet message on 5xx, refusal and timeout', async () => {
    healthy = false;
    expect(await runHandler({ httpGet: { path: '/', port } }, ctx())).toEqual({
      ok: false,
      message: 'HTTP probe failed with statuscode: 503',
    });
    const closed = await freePort();
    expect((await runHandler({ httpGet: { path: '/', port: closed } }, ctx())).message).toBe(
      `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    );
    const slow = await runHandler({ httpGet: { path: '/slow', port } }, ctx({ timeoutMs: 200 }));
    expect(slow.ok).toBe(false);
    expect(slow.message).toContain('context deadline exceeded');
    healthy = true;
  });

  it('tcpSocket connects or reports the refusal', async () => {
    expect((await runHandler({ tcpSocket: { port } }, ctx())).ok).toBe(true);
    const closed = await freePort();
    expect(await runHandler({ tcpSocket: { port: closed } }, ctx())).toEqual({
      ok: false,
      message: `dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it('exec runs with the container env and reports output, exit status and timeouts', async () => {
    expect(await runHandler({ exec: { command: ['sh', '-c', 'echo $GREETING'] } }, ctx())).toEqual({
      ok: true,
      message: 'hi\n',
    });
    expect(await runHandler({ exec: { command: ['sh', '-c', 'echo broken >&2; exit 3'] } }, ctx())).toEqual({
      ok: false,
      message: 'broken\n',
    });
    const slow = await runHandler({ exec: { command: ['sleep', '5'] } }, ctx({ timeoutMs: 200 }));
    expect(slow).toEqual({ ok: false, message: 'command "sleep 5" timed out' });
    expect((await runHandler({ exec: { command: ['no-such-binary-x'] } }, ctx())).message).toBe(
      'exec: "no-such-binary-x": executable file not found in $PATH',
    );
  });

  it('names what is wrong with a port or an action', async () => {
    expect(() => resolvePort('metrics', [{ name: 'http', containerPort: 1 }], 'httpGet')).toThrow(
      'httpGet: port name "metrics" is not declared by the container',
    );
    expect(resolvePort('8080', [], 'x')).toBe(8080);
    expect((await runHandler({ grpc: { port: 1 } }, ctx())).message).toContain(
      'gRPC probes are not supported',
    );
  });

  it('drives readiness and liveness from real probes', async () => {
    healthy = true;
    const changes: string[] = [];
    let fatal: string | undefined;
    const prober = new ContainerProber(
      {
        name: 'app',
        readinessProbe: { httpGet: { path: '/', port }, periodSeconds: 1, failureThreshold: 1 },
        livenessProbe: { httpGet: { path: '/', port }, periodSeconds: 1, failureThreshold: 2 },
      },
      () => ({ podIP: '127.0.0.1', env: {}, cwd: '/tmp', ports: [] }),
      {
        onChange: () => changes.push(`ready=${prober.ready}`),
        onFatal: (kind, message) => {
          fatal = `${kind}: ${message}`;
        },
        onProbeFailure: () => undefined,
      },
    );
    expect(prober.started).toBe(true);
    expect(prober.ready).toBe(false);
    prober.start(Date.now());
    await waitFor(() => prober.ready);
    healthy = false;
    await waitFor(() => fatal !== undefined, 5000);
    prober.stop();
    healthy = true;
    expect(changes).toEqual(['ready=true', 'ready=false']);
    expect(fatal).toBe('liveness: HTTP probe failed with statuscode: 503');
  });

  it('holds other probes until the startup probe passes', async () => {
    healthy = false;
    let fatal: string | undefined;
    const prober = new ContainerProber(
      { name: 'app', startupProbe: { httpGet: { path: '/', port }, periodSeconds: 1, failureThreshold: 2 } },
      () => ({ podIP: '127.0.0.1', env: {}, cwd: '/tmp', ports: [] }),
      { onChange: () => undefined, onFatal: (kind) => (fatal = kind), onProbeFailure: () => undefined },
    );
    expect(prober.started).toBe(false);
    prober.start(Date.now());
    await waitFor(() => fatal !== undefined, 5000);
    expect(fatal).toBe('startup');
    expect(prober.ready).toBe(false);
    healthy = true;
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
