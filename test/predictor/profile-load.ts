/**
 * Open-loop Poisson load on the catalog's Service that follows a profile (constant-rate segments,
 * as a replayed trace gives), each request on its own connection so new replicas get their share,
 * and every answer reported for client-side SLO judgement.
 */
import {
  type OpenLoopResult,
  runOpenLoop,
  type Segment,
  seededRandom,
} from '../../sample-services/loadgen/index.ts';
import { getOnce, type RequestRecord } from '../operator/fleet.ts';

export interface ProfileLoad {
  /** Epoch ms the profile's first segment started at. */
  readonly startMs: number;
  /** Resolves when the profile ends (or stop() is called). */
  readonly done: Promise<OpenLoopResult | undefined>;
  stop(): Promise<OpenLoopResult | undefined>;
}

export function startProfileLoad(
  url: string,
  segments: readonly Segment[],
  opts: { seed: number; onRequest: (r: RequestRecord) => void },
): ProfileLoad {
  const abort = new AbortController();
  const startMs = Date.now();
  const done = runOpenLoop({
    segments,
    random: seededRandom(opts.seed),
    operation: async (arrival, signal) => {
      const answer = await getOnce(`${url}/api/v1/products?limit=5`, signal);
      const endMs = Date.now();
      opts.onRequest({
        endMs,
        latencyMs: endMs - (startMs + arrival.atMs),
        ok: answer.status >= 200 && answer.status < 400,
      });
      return { kind: 'products', ...answer };
    },
    signal: abort.signal,
    drainTimeoutMs: 2000,
  }).catch(() => undefined);
  return {
    startMs,
    done,
    async stop() {
      abort.abort();
      return done;
    },
  };
}
