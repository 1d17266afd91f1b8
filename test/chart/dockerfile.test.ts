// The image as a user relies on it, checked without a Docker engine: a multi-stage build whose
// runtime stage carries production dependencies only, runs as a non-root numeric user, starts
// `node bin/homeostat.js`, and agrees with the chart on user and ports; and a build context that
// holds the sources it copies but no host node_modules, tests or local state.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { type Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// A CommonJS module whose types declare a default export; it sets .default on itself to match.
const dockerignore = dockerignoreModule.default;
const ROOT = join(import.meta.dirname, '../..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const chartValues = parse(readFileSync(join(ROOT, 'charts/homeostat/values.yaml'), 'utf8'));

interface Stage {
  name: string | null;
  from: string;
  instructions: Instruction[];
}

function stages(): Stage[] {
  const out: Stage[] = [];
  for (const i of DockerfileParser.parse(DOCKERFILE).getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const args = i.getArguments().map((a) => a.getValue());
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      out.push({ name: as >= 0 ? args[as + 1]! : null, from: args[0]!, instructions: [] });
    } else out.at(-1)?.instructions.push(i);
  }
  return out;
}

const of = (s: Stage, keyword: string) => s.instructions.filter((i) => i.getKeyword() === keyword);
const text = (i: Instruction) => i.getArgumentsContent() ?? '';
/** The stage a COPY takes files from (--from=), or undefined for the build context. */
const copyFrom = (i: Instruction) => (i as Copy).getFromFlag()?.getValue() ?? undefined;

/** Files of the build context: the working tree less what .dockerignore excludes. */
function buildContext(): Set<string> {
  const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n'));
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(ROOT, full);
      if (ignore.ignores(rel)) continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.add(rel);
    }
  };
  walk(ROOT);
  return out;
}

const IMPORT =
  /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\bregister\(\s*['"]([^'"]+)['"]/g;

/**
 * Follows static imports from an entry file through the sources: files that are not in the build
 * context, and packages that are not production dependencies (they are not in the image).
 */
function runtimeImports(entry: string, context: Set<string>, dependencies: Set<string>) {
  const seen = new Set<string>();
  const missing = new Set<string>();
  const devOnly = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!context.has(file)) missing.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4]!;
      if (spec.startsWith('.')) {
        const target = relative(ROOT, join(ROOT, file, '..', spec));
        // dist/ is compiled in the image (the build stage), from these same sources.
        if (/\.(ts|js|mjs|cjs|json)$/.test(target) && !target.startsWith('dist/')) queue.push(target);
      } else if (!spec.startsWith('node:') && !/^import type\b/.test(m[0].trim())) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!dependencies.has(name)) devOnly.add(`${name} (from ${file})`);
      }
    }
  }
  return { missing: [...missing], devOnly: [...devOnly], modules: seen.size };
}

describe('Dockerfile', () => {
  it('passes the Dockerfile linter with no error or warning', () => {
    expect(validate(DOCKERFILE).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds in stages: dependencies and dist/ in a full image, run from a slim one', () => {
    const [deps, build, runtime, ...rest] = stages();
    expect(rest).toEqual([]);
    expect([deps!.name, build!.name, runtime!.name]).toEqual(['deps', 'build', 'runtime']);
    expect(deps!.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm$/);
    // The build stage has development dependencies too (Vite bundles the dashboard's web app).
    expect(build!.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm$/);
    expect(of(build!, 'RUN').map(text)).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund',
      'node bin/build.mjs && node bin/build-web.mjs',
    ]);
    expect(runtime!.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim$/);
    // From the full image the runtime takes only the installed dependencies and the compiled code.
    const fromStages = of(runtime!, 'COPY').filter((c) => copyFrom(c) !== undefined);
    expect(fromStages.map((c) => [copyFrom(c), text(c)])).toEqual([
      ['deps', '/app/node_modules ./node_modules'],
      ['build', '/app/dist ./dist'],
      ['build', '/app/dashboard/web/dist ./dashboard/web/dist'],
    ]);
  });

  it('installs production dependencies only, compiling native modules from source', () => {
    const [deps, , runtime] = stages();
    const install = of(deps!, 'RUN')
      .map(text)
      .find((r) => /\bnpm ci\b/.test(r));
    expect(install).toMatch(/--omit=dev/);
    expect(of(deps!, 'ENV').map(text).join(' ')).toMatch(/npm_config_build_from_source=true/);
    expect(of(deps!, 'RUN').map(text).join('\n')).toMatch(/require\('better-sqlite3'\)/);
    // Nothing is installed in the runtime stage.
    expect(of(runtime!, 'RUN').map(text).join('\n')).not.toMatch(/\bnpm (ci|install|i)\b/);
  });

  it('runs as the chart’s non-root numeric user and starts the CLI', () => {
    const runtime = stages().at(-1)!;
    const user = text(of(runtime, 'USER').at(-1)!);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(uid).toBe(chartValues.podSecurity.runAsUser);
    expect(gid).toBe(chartValues.podSecurity.runAsGroup);
    expect(of(runtime, 'RUN').map(text).join('\n')).toMatch(new RegExp(`--uid ${uid}\\b`));
    const entrypoint = of(runtime, 'ENTRYPOINT');
    expect(entrypoint).toHaveLength(1);
    expect(JSON.parse(text(entrypoint[0]!))).toEqual(['node', 'bin/homeostat.js']);
    expect(of(runtime, 'ENV').map(text).join(' ')).toMatch(/NODE_ENV=production/);
  });

  it('exposes the ports the chart uses', () => {
    const exposed = of(stages().at(-1)!, 'EXPOSE').flatMap((e) => text(e).split(/\s+/).map(Number));
    expect(exposed.sort()).toEqual(
      [chartValues.operator.metricsPort, chartValues.operator.healthPort, chartValues.dashboard.port].sort(),
    );
  });

  it('uses a Node version the project supports', () => {
    const arg = /^ARG NODE_VERSION=(\d+)\.(\d+)/m.exec(DOCKERFILE);
    const engines = /^>=(\d+)\.(\d+)/.exec(
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node,
    );
    expect(arg && engines).toBeTruthy();
    const version = (m: RegExpExecArray) => Number(m[1]) * 1000 + Number(m[2]);
    expect(version(arg!)).toBeGreaterThanOrEqual(version(engines!));
  });
});

describe('.dockerignore', () => {
  const context = buildContext();
  const files = [...context];

  it('holds every module the CLI loads, and those load only production dependencies', () => {
    const runtime = stages().at(-1)!;
    expect(
      of(runtime, 'COPY')
        .filter((c) => copyFrom(c) === undefined)
        .map(text),
    ).toEqual(['. .']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const { missing, devOnly, modules } = runtimeImports(
      'bin/homeostat.js',
      context,
      new Set(Object.keys(pkg.dependencies)),
    );
    expect(modules).toBeGreaterThan(20);
    expect(missing, 'imported at run time but left out of the image').toEqual([]);
    expect(devOnly, 'imported at run time but not a production dependency').toEqual([]);
  });

  it('keeps out host dependencies, tests, local state and version control', () => {
    const leaked = files.filter((f) =>
      /(^|\/)(node_modules|\.git|\.data|test|testdata|testing)\/|\.test\.ts$|^(bench|docs|charts|\.ci)\//.test(
        f,
      ),
    );
    expect(leaked).toEqual([]);
    const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n'));
    for (const p of [
      'node_modules/x/index.js',
      'sandbox/node_modules/y.js',
      '.git/HEAD',
      '.data/sandbox/kubeconfig',
    ])
      expect(ignore.ignores(p), p).toBe(true);
  });
});
