import type { AddressInfo } from 'node:net';
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Balancer } from './balancer.ts';
import type { Backend } from './endpoint-table.ts';
import { ServicePortListener } from './service-port-listener.ts';

/** A TCP server on its own loopback address that answers each line with "<name>:<line>". */
async function backendServer(ip: string, name: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => {
    socket.on('data', (d) => socket.write(`${name}:${d.toString().trim()}\n`));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  return { server, port: (server.address() as AddressInfo).port };
}

function ask(host: string, port: number, message = 'ping'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(`${message}\n`));
    socket.once('data', (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.once('error', reject);
  });
}

const noHooks = {
  connected: () => undefined,
  closed: () => undefined,
  failed: () => undefined,
  refused: () => undefined,
};
const options = { connectTimeoutMs: 1000, connectAttempts: 1, rebindDelayMs: 100 };
const SERVICE_IP = '127.20.250.1';

describe('ServicePortListener', () => {
  const servers: net.Server[] = [];
  let a: Backend;
  let b: Backend;
  let listener: ServicePortListener;
  let servicePort: number;

  beforeAll(async () => {
    const sa = await backendServer('127.10.250.1', 'a');
    const sb = await backendServer('127.10.250.2', 'b');
    servers.push(sa.server, sb.server);
    a = { ip: '127.10.250.1', port: sa.port, ready: true, serving: true, terminating: false };
    b = { ip: '127.10.250.2', port: sb.port, ready: true, serving: true, terminating: false };
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, SERVICE_IP, r));
    servicePort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    listener = new ServicePortListener(
      'default/web',
      SERVICE_IP,
      { name: 'http', port: servicePort, protocol: 'TCP' },
      new Balancer(),
      options,
      noHooks,
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await listener.close(true);
    for (const s of servers) s.close();
  });

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 2000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('refuses connections while there is no backend', async () => {
    listener.setBackends([]);
    await expect(ask(SERVICE_IP, servicePort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('balances connections round-robin over the backends', async () => {
    listener.setBackends([a, b]);
    await until(() => listener.isListening);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(SERVICE_IP, servicePort, `m${i}`));
    expect(answers).toEqual(['a:m0', 'b:m1', 'a:m2', 'b:m3']);
    expect(listener.counters.get(`${a.ip}:${a.port}`)?.total).toBe(2);
    expect(listener.counters.get(`${b.ip}:${b.port}`)?.total).toBe(2);
  });

  it('keeps a connection open for many exchanges (keep-alive)', async () => {
    const socket = net.connect({ host: SERVICE_IP, port: servicePort });
    const replies: string[] = [];
    socket.on('data', (d) => replies.push(...d.toString().trim().split('\n')));
    await new Promise((r) => socket.once('connect', r));
    for (const m of ['x', 'y', 'z']) {
      socket.write(`${m}\n`);
      await until(() => replies.length > 0 && replies.at(-1)!.endsWith(m));
    }
    expect(new Set(replies.map((r) => r.split(':')[0])).size).toBe(1);
    socket.end();
  });

  it('stops sending to a backend that is no longer usable, and refuses again when none is left', async () => {
    listener.setBackends([b]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await ask(SERVICE_IP, servicePort));
    expect(answers).toEqual(['b:ping', 'b:ping', 'b:ping']);
    listener.setBackends([]);
    await until(() => !listener.isListening);
    await expect(ask(SERVICE_IP, servicePort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('resets the client when the backend refuses, and counts the failure', async () => {
    const dead: Backend = { ip: '127.10.250.3', port: 1, ready: true, serving: true, terminating: false };
    listener.setBackends([dead]);
    await until(() => listener.isListening);
    await expect(ask(SERVICE_IP, servicePort)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(listener.counters.get('127.10.250.3:1')?.failed).toBe(1);
  });
});
