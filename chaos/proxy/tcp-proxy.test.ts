import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosProxy } from './sidecar.ts';
import { admin } from './testing/client.ts';
import { sample, startTestProxy, TEST_TOKEN } from './testing/harness.ts';

// An upstream speaking a non-HTTP protocol: answers each line upper-cased, and "bye" after the
// client's FIN, which checks that half-closed connections pass through.
let upstream: net.Server;
let proxy: ChaosProxy;

beforeAll(async () => {
  upstream = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => socket.write(text.toUpperCase()));
    socket.on('end', () => socket.end('bye'));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startTestProxy((upstream.address() as AddressInfo).port, { mode: 'tcp' });
});
afterAll(async () => {
  await proxy?.close(500);
  await new Promise<void>((r) => upstream.close(() => r()));
});

function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (t: string) => {
      received += t;
      if (received === message.toUpperCase()) socket.end(); // got the echo: send FIN, expect "bye"
    });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.write(message);
  });
}

describe('TCP mode', () => {
  it('passes bytes both ways, including after a half-close', async () => {
    expect(await exchange(proxy.dataAddress.port, 'hello tcp')).toBe('HELLO TCPbye');
  });

  it('delays connections with a latency fault and counts them', async () => {
    const put = await admin(proxy.adminAddress.port, 'PUT', '/faults/connect-delay', TEST_TOKEN, {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: 30 },
      ttlMs: 10_000,
    });
    expect(put.status).toBe(201);
    const started = performance.now();
    expect(await exchange(proxy.dataAddress.port, 'slow')).toBe('SLOWbye');
    expect(performance.now() - started).toBeGreaterThanOrEqual(29); // a lower bound: the delay happened
    const text = await proxy.metrics.registry.metrics();
    expect(
      sample(text, 'chaos_proxy_faults_injected_total', { fault_id: 'connect-delay', type: 'latency' }),
    ).toBe(1);
    expect(sample(text, 'chaos_proxy_tcp_connections_total')).toBe(2);
  });

  it('refuses faults a TCP proxy cannot apply, naming the field', async () => {
    const abort = await admin(proxy.adminAddress.port, 'PUT', '/faults/a', TEST_TOKEN, {
      type: 'abort',
      percent: 100,
      abort: { status: 503 },
      ttlMs: 10_000,
    });
    expect(abort.status).toBe(400);
    expect(abort.json().issues[0]).toMatch(/^type: /);
    const matched = await admin(proxy.adminAddress.port, 'PUT', '/faults/m', TEST_TOKEN, {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: 1 },
      match: { pathPrefix: '/x' },
      ttlMs: 10_000,
    });
    expect(matched.json().issues[0]).toMatch(/^match: /);
  });

  it('closes the client connection when the upstream is unreachable', async () => {
    const idle = net.createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const deadPort = (idle.address() as AddressInfo).port;
    await new Promise<void>((r) => idle.close(() => r()));
    const orphan = await startTestProxy(deadPort, { mode: 'tcp' });
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = net.connect(orphan.dataAddress.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve(true));
      });
      expect(closed).toBe(true);
      const text = await orphan.metrics.registry.metrics();
      expect(sample(text, 'chaos_proxy_upstream_errors_total', { code: 'ECONNREFUSED' })).toBe(1);
    } finally {
      await orphan.close(100);
    }
  });
});
