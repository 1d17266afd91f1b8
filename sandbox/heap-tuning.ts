// V8 lets a heap grow to several times its live size before collecting, and keeps a 32 MB young
// generation per isolate. For the sandbox, a long-lived process holding ten thousand objects per
// isolate, that slack is most of its memory. These settings trade a little GC time for a heap that
// stays close to what is live.

import type { ResourceLimits } from 'node:worker_threads';
import { limitHeapGrowth } from '../kube/heap-tuning.ts';

/** Next old-generation limit = live size × 1.5 (V8's default factor goes up to 4). */
const HEAP_GROWING_PERCENT = 50;

/** Young generation of the components worker (controllers and virtual kubelet). */
export const COMPONENTS_WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 12 };

/** Applies the sandbox's heap growing factor to every isolate of this process (V8 flags are process-wide). */
export function tuneHeapForSandbox(execArgv: readonly string[] = process.execArgv): void {
  limitHeapGrowth(HEAP_GROWING_PERCENT, execArgv);
}
