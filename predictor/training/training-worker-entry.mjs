// Worker threads in Node 20 do not inherit the parent's TypeScript loader. Compiled (under dist/),
// the worker runs the JavaScript; from the sources, it registers tsx first.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./training-worker.js', import.meta.url))) {
  await import(new URL('./training-worker.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./training-worker.ts');
}
