// Worker threads in Node 20 do not inherit the parent's TypeScript loader: register it first.
import { register } from 'tsx/esm/api';

register();
await import('./components-worker.ts');
