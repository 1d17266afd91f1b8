#!/usr/bin/env node
// Bundles the dashboard's web app with Vite into dashboard/web/dist, when its sources changed since
// the last build. Separate from build.mjs: Vite is a development dependency, and build.mjs is loaded
// at run time (bin/homeostat.js asks it whether dist/ is stale).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_ROOT = join(ROOT, 'dashboard/web');

function newest(dir) {
  let t = 0;
  for (const f of walkAll(dir)) t = Math.max(t, statSync(f).mtimeMs);
  return t;
}

function walkAll(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkAll(p, out);
    else out.push(p);
  }
  return out;
}

/** Builds the dashboard's web app with Vite into dashboard/web/dist when its sources changed. */
export async function buildWeb({ force = false } = {}) {
  const index = join(WEB_ROOT, 'dist', 'index.html');
  const inputs = [join(WEB_ROOT, 'src'), join(WEB_ROOT, 'index.html'), join(WEB_ROOT, 'vite.config.ts')];
  const sources = Math.max(
    ...inputs.map((p) => (statSync(p).isDirectory() ? newest(p) : statSync(p).mtimeMs)),
  );
  if (!force && existsSync(index) && statSync(index).mtimeMs >= sources) return false;
  const { build: viteBuild } = await import('vite');
  await viteBuild({ root: WEB_ROOT, logLevel: 'warn' });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  if (await buildWeb({ force: process.argv.includes('--force') }))
    console.log(`built the dashboard into dashboard/web/dist in ${Math.round(performance.now() - t0)} ms`);
}
