#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm start` does first) when it is
// up to date with the sources, and the TypeScript sources through tsx otherwise, so the bin works
// without a build step but runs lean (no loader thread, no transform cache) when built.
import { existsSync } from 'node:fs';
import { isStale, STAMP } from './build.mjs';

if (process.env.HOMEOSTAT_FROM_SOURCE !== '1' && existsSync(STAMP) && !isStale()) {
  await import('../dist/bin/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
