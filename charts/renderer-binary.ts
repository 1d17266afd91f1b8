// Builds the Go chart renderer (charts/render) once per source version and caches the binary,
// keyed by a hash of its sources and the Go toolchain, under .data/ (or the OS temp dir).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { RENDERER_SOURCE_DIR, REPO_ROOT } from './paths.ts';

const run = promisify(execFile);

const BUILD_TIMEOUT_MS = 300_000;
const INSTALL_HINT =
  'the chart renderer needs Go and sprig: apt-get install golang-go golang-github-masterminds-sprig-dev';

function cacheDir(): string {
  const candidates = [
    process.env.HOMEOSTAT_CHART_RENDERER_CACHE,
    join(REPO_ROOT, '.data', 'chart-renderer'),
    join(tmpdir(), 'homeostat-chart-renderer'),
  ].filter((d): d is string => Boolean(d));
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // not writable: try the next place
    }
  }
  throw new Error(`no writable cache directory for the chart renderer (tried ${candidates.join(', ')})`);
}

/** GOPATH mode against Debian's packaged Go libraries, never the module proxy. */
function goEnv(cache: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: process.env.GOPATH || '/usr/share/gocode',
    GOCACHE: process.env.GOCACHE || join(cache, 'go-build'),
    GOFLAGS: '',
    GOTOOLCHAIN: 'local',
  };
}

async function goVersion(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('go', ['version'], { env, timeout: 30_000 })).stdout.trim();
  } catch (e: any) {
    if (e.code === 'ENOENT') throw new Error(`go was not found on PATH; ${INSTALL_HINT}`);
    throw e;
  }
}

function sourceFiles(): string[] {
  return readdirSync(RENDERER_SOURCE_DIR)
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
    .sort();
}

async function build(): Promise<string> {
  const cache = cacheDir();
  const env = goEnv(cache);
  const hash = createHash('sha256');
  hash.update(await goVersion(env));
  hash.update(`${process.platform}/${process.arch}`);
  for (const f of sourceFiles()) {
    hash.update(f);
    hash.update(readFileSync(join(RENDERER_SOURCE_DIR, f)));
  }
  const binary = join(cache, `render-${hash.digest('hex').slice(0, 16)}`);
  // One builder at a time across processes (parallel test workers): the others wait for its result.
  const lock = `${binary}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(binary)) {
    try {
      mkdirSync(lock);
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      // A lock older than any build is a builder that died.
      if (age > BUILD_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`timed out waiting for another process to build ${binary}`);
      else await sleep(250);
      continue;
    }
    try {
      if (!existsSync(binary)) await compile(binary, env);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return binary;
}

async function compile(binary: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Build beside the target and rename: nobody ever sees half a file.
  const partial = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const goBuild = (extraEnv: NodeJS.ProcessEnv) =>
    run('go', ['build', '-o', partial, '.'], {
      cwd: RENDERER_SOURCE_DIR,
      env: { ...env, ...extraEnv },
      timeout: BUILD_TIMEOUT_MS,
    });
  try {
    // The default build reuses the toolchain's precompiled standard library (twice as fast on a
    // cold cache); without a C compiler, cgo is what fails, and a pure-Go build does instead.
    await goBuild({}).catch((e) => {
      if (/\bgcc\b|\bcgo\b|C compiler/.test(String(e.stderr))) return goBuild({ CGO_ENABLED: '0' });
      throw e;
    });
  } catch (e: any) {
    rmSync(partial, { force: true });
    const stderr = String(e.stderr ?? e.message);
    const hint = /cannot find package/.test(stderr) ? `\n${INSTALL_HINT}` : '';
    throw new Error(`building the chart renderer failed:\n${stderr.trim()}${hint}`);
  }
  renameSync(partial, binary);
}

let building: Promise<string> | undefined;

/** The path of the renderer binary, built on first use. */
export function rendererBinary(): Promise<string> {
  building ??= build().catch((e) => {
    building = undefined;
    throw e;
  });
  return building;
}
