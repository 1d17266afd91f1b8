// Runs fleet services as real child processes, each on its own loopback address with its own data
// directory, the way the sandbox kubelet runs pods. Used by the fleet's integration tests. A
// service counts as started once its /health/live answers on the address it was given, as a
// kubelet's startup probe sees it, so no log level or format can break start detection.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export const SERVICE_NAMES = ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 30_000;

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

/** Every child any harness started, killed when the test process exits whatever happens. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logs: string[];
  readonly exited: Promise<Exit>;
  readonly pid: number;
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface StartOptions {
  host: string;
  /** 0 (the default) picks a free port on `host`; pass the old port to restart in place. */
  port?: number;
  dataDir: string;
  env?: Record<string, string>;
  /** Wait for /health/ready (default) or only for the listening socket. */
  waitReady?: boolean;
}

/** A port nothing listens on at `host` right now. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export async function startService(name: ServiceName, options: StartOptions): Promise<ServiceProcess> {
  const port = options.port || (await freePort(options.host));
  const child = spawn(process.execPath, ['--import', 'tsx', join('sample-services', name, 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      HOST: options.host,
      PORT: String(port),
      DATA_DIR: options.dataDir,
      HOSTNAME: `${name}-test`,
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      SERVICE_TIME_MS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolveExit({ code, signal });
    });
  });
  const url = `http://${options.host}:${port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    try {
      return await withTimeout(exited, timeoutMs, `${name} did not exit after ${signal}`);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  };
  const service: ServiceProcess = {
    name,
    url,
    host: options.host,
    port,
    dataDir: options.dataDir,
    logs,
    exited,
    pid: child.pid!,
    stop,
  };
  try {
    await waitForHealth(service, options.waitReady === false ? 'live' : 'ready');
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
  }
  return service;
}

/**
 * Polls /health/<probe> until it answers 200, within a deadline; fails at once if the process
 * exits first (a bad configuration, a port already taken).
 */
async function waitForHealth(
  service: ServiceProcess,
  probe: 'live' | 'ready',
  timeoutMs = START_TIMEOUT_MS,
): Promise<void> {
  let exit: Exit | undefined;
  void service.exited.then((e) => {
    exit = e;
  });
  await eventually(
    async () => {
      if (exit) throw new ExitedError(`${service.name} exited while starting (${JSON.stringify(exit)})`);
      const res = await fetch(`${service.url}/health/${probe}`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`${service.name} /health/${probe}: ${res.status}`);
    },
    {
      timeoutMs,
      message: `${service.name} did not answer /health/${probe} at ${service.url}`,
      stopOn: (err) => err instanceof ExitedError,
    },
  );
}

class ExitedError extends Error {}

export async function waitForReady(service: ServiceProcess, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  await waitForHealth(service, 'ready', timeoutMs);
}

/** Retries `check` until it stops throwing; fails with the last error after the timeout. */
export async function eventually<T>(
  check: () => Promise<T>,
  {
    timeoutMs = 10_000,
    intervalMs = 50,
    message = 'condition not met',
    stopOn = (_err: unknown) => false,
  }: { timeoutMs?: number; intervalMs?: number; message?: string; stopOn?: (err: unknown) => boolean } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (stopOn(err)) throw err;
      if (Date.now() > deadline) throw new Error(`${message}: ${(err as Error).message}`);
      await sleep(intervalMs);
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FleetOptions {
  /** Third octet of the loopback addresses, so fleets of different test files never share one. */
  subnet: number;
  /** Extra environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Environment for every service. */
  commonEnv?: Record<string, string>;
}

/** The six services wired together through <NAME>_URL variables, with temporary data directories. */
export class Fleet {
  readonly root = mkdtempSync(join(tmpdir(), 'homeostat-fleet-'));
  readonly services = {} as Record<ServiceName, ServiceProcess>;

  constructor(private readonly options: FleetOptions) {}

  host(name: ServiceName): string {
    return `127.0.${this.options.subnet}.${10 + SERVICE_NAMES.indexOf(name)}`;
  }

  dataDir(name: ServiceName): string {
    return join(this.root, name);
  }

  get gateway(): string {
    return this.services.gateway.url;
  }

  url(name: ServiceName): string {
    return this.services[name].url;
  }

  async start(): Promise<this> {
    await Promise.all(
      (['users', 'catalog', 'payments', 'notifications'] as const).map((name) => this.launch(name)),
    );
    await this.launch('orders');
    await this.launch('gateway');
    return this;
  }

  /** Starts (or restarts on its previous address and data) one service. */
  async launch(name: ServiceName, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    const previous = this.services[name];
    const dependencyUrls: Record<string, string> = {};
    for (const dep of SERVICE_NAMES) {
      if (dep !== name && this.services[dep])
        dependencyUrls[`${dep.toUpperCase()}_URL`] = this.services[dep].url;
    }
    const service = await startService(name, {
      host: this.host(name),
      port: previous?.port ?? 0,
      dataDir: this.dataDir(name),
      env: {
        JWT_SECRET,
        ...dependencyUrls,
        ...this.options.commonEnv,
        ...this.options.env?.[name],
        ...extraEnv,
      },
    });
    this.services[name] = service;
    return service;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(Object.values(this.services).map((s) => s.stop('SIGKILL', 5_000)));
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON HTTP client for tests. */
export async function http<T = any>(
  method: string,
  url: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(url, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T };
}

/** A metric sample from Prometheus text exposition, or undefined when absent. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
