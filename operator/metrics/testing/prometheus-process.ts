// A real Prometheus for this folder's tests, with the scrape jobs a test gives it (static or
// file_sd), on a free 127.0.0.1 port, stopped by the test. Debian's 2.42 is the one CI installs.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';

export interface TestPrometheus {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface TestPrometheusOptions {
  dir: string;
  scrapeInterval?: string;
  /** Scrape jobs; `self` (the server scraping itself) is added when `scrapeSelf` is set. */
  scrapeConfigs: Record<string, unknown>[];
  scrapeSelf?: boolean;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startTestPrometheus(opts: TestPrometheusOptions): Promise<TestPrometheus> {
  const binary = findBinary('prometheus');
  if (!binary) throw new Error('prometheus is not installed (on Debian: apt-get install prometheus)');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const interval = opts.scrapeInterval ?? '1s';
  mkdirSync(join(opts.dir, 'tsdb'), { recursive: true });
  const configFile = join(opts.dir, 'prometheus.yml');
  const self = opts.scrapeSelf ? [{ job_name: 'self', static_configs: [{ targets: [address] }] }] : [];
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      scrape_configs: [...self, ...opts.scrapeConfigs],
    }),
  );
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dir, 'tsdb')}`,
      `--web.listen-address=${address}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr = (stderr + c).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const url = `http://${address}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
