// The actions behind probes and lifecycle hooks: httpGet, tcpSocket, exec (and sleep for hooks),
// with the kubelet's success rules and failure messages.

import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { V1ContainerPort, V1HTTPGetAction, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';

export interface HandlerContext {
  podIP: string;
  /** The container's environment; exec actions run with it. */
  env: Record<string, string>;
  cwd: string;
  ports: readonly V1ContainerPort[];
  timeoutMs: number;
}

export interface HandlerResult {
  ok: boolean;
  /** Why it failed (or the output of a successful exec), as the kubelet words it. */
  message: string;
}

/** The kubelet reads at most this much of a probe's response body or exec output. */
const MAX_OUTPUT = 10 * 1024;
const USER_AGENT = 'kube-probe/1.32';

type Action = Pick<V1Probe, 'httpGet' | 'tcpSocket' | 'exec' | 'grpc'> & Pick<V1LifecycleHandler, 'sleep'>;

export function resolvePort(
  port: number | string | undefined,
  ports: readonly V1ContainerPort[],
  what: string,
): number {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') throw new Error(`${what}: no port given`);
  if (/^\d+$/.test(port)) return Number(port);
  const named = ports.find((p) => p.name === port);
  if (!named) throw new Error(`${what}: port name "${port}" is not declared by the container`);
  return named.containerPort;
}

export async function runHandler(action: Action, ctx: HandlerContext): Promise<HandlerResult> {
  try {
    if (action.exec) return await runExec(action.exec.command ?? [], ctx);
    if (action.httpGet) return await runHttpGet(action.httpGet, ctx);
    if (action.tcpSocket) {
      const port = resolvePort(action.tcpSocket.port as number | string, ctx.ports, 'tcpSocket');
      return await runTcp(action.tcpSocket.host || ctx.podIP, port, ctx.timeoutMs);
    }
    if (action.sleep) {
      await new Promise((r) => setTimeout(r, Math.max(0, action.sleep!.seconds) * 1000));
      return { ok: true, message: '' };
    }
    if (action.grpc)
      return {
        ok: false,
        message: 'gRPC probes are not supported by the sandbox kubelet; use httpGet, tcpSocket or exec',
      };
    return { ok: false, message: 'probe has no action (httpGet, tcpSocket or exec)' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function runHttpGet(action: V1HTTPGetAction, ctx: HandlerContext): Promise<HandlerResult> {
  const port = resolvePort(action.port as number | string, ctx.ports, 'httpGet');
  const scheme = (action.scheme ?? 'HTTP').toUpperCase();
  const host = action.host || ctx.podIP;
  let path = action.path || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme.toLowerCase()}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const client = scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: HandlerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = client.request(
      url,
      { method: 'GET', headers, agent: false, ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_OUTPUT) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8');
          // Like the kubelet, 3xx counts as success: a redirect means the server is answering.
          if (code >= 200 && code < 400) finish({ ok: true, message: body });
          else finish({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', (err) => finish({ ok: false, message: `Get "${url}": ${err.message}` }));
      },
    );
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        }),
      ctx.timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, message: `Get "${url}": ${dialError(host, port, err)}` }),
    );
    req.end();
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (err.code === 'ECONNRESET') return 'read: connection reset by peer';
  return err.message;
}

function runTcp(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: HandlerResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ ok: true, message: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, message: dialError(host, port, err) }),
    );
  });
}

function runExec(command: string[], ctx: HandlerContext): Promise<HandlerResult> {
  if (command.length === 0) return Promise.resolve({ ok: false, message: 'exec: no command given' });
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: ctx.cwd,
      env: ctx.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, ctx.timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const message =
        err.code === 'ENOENT'
          ? `exec: "${command[0]}": executable file not found in $PATH`
          : `exec ${command[0]}: ${err.message}`;
      resolve({ ok: false, message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid);
      output = output.slice(0, MAX_OUTPUT);
      if (timedOut) resolve({ ok: false, message: `command ${JSON.stringify(command.join(' '))} timed out` });
      else if (code === 0) resolve({ ok: true, message: output });
      else
        resolve({
          ok: false,
          message: output || `command ${JSON.stringify(command.join(' '))} exited with ${code ?? signal}`,
        });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
