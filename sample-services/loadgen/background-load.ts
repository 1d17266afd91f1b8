// A gentle, endless load against the fleet's gateway for the sandbox (`npm start`), so the
// dashboards, the predictor and the operator always have traffic to look at. It must outlive
// anything the fleet goes through: every failure is counted, never thrown. While the gateway cannot
// be reached at all (refused, reset, timed out), it backs off exponentially and probes with one
// request at a time; answers, even 5xx ones, keep the load going, since those are exactly what
// chaos experiments and the operator need to see.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetJourneys } from './fleet-journeys.ts';
import { HttpClient } from './http-client.ts';
import type { JourneyMix } from './journey-mix.ts';
import { exponential, freshSeed, seededRandom } from './random.ts';
import type { Outcome } from './request-stats.ts';

export interface BackgroundLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface BackgroundLoadOptions {
  gatewayUrl: string;
  /** Mean requests per second (Poisson arrivals). */
  rps: number;
  /** Stops the load; `done` resolves once outstanding requests ended. */
  signal: AbortSignal;
  /** Virtual users (default 5). */
  users?: number;
  mix?: Partial<JourneyMix>;
  seed?: number;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  /** Consecutive unreachable outcomes before backing off (default 3). */
  failuresBeforeBackoff?: number;
  /** First back-off delay (default 500 ms), doubled per failed probe up to backoffMaxMs (default 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  logger?: BackgroundLogger;
}

export interface BackgroundLoadStats {
  state: 'running' | 'backing-off' | 'stopped';
  /** Requests sent, including sign-up steps and probes. */
  sent: number;
  ok: number;
  clientErrors: number;
  rateLimited: number;
  /** 5xx answers and requests without an answer. */
  errors: number;
  /** Arrivals skipped because too many requests were outstanding. */
  dropped: number;
  byStatus: Record<string, number>;
  consecutiveFailures: number;
  /** Times the load backed off. */
  backoffs: number;
  /** The current back-off delay while backing off, else 0. */
  backoffMs: number;
  lastError?: string;
  ordersPlaced: number;
}

export interface BackgroundLoad {
  stats(): BackgroundLoadStats;
  /** Resolves (never rejects) once the signal stopped the load and its requests ended. */
  readonly done: Promise<void>;
}

const ARRIVAL = { atMs: 0, segment: 0 };

function unreachable(outcome: Outcome): boolean {
  return outcome.status === 0 && outcome.error !== 'aborted';
}

export function startBackgroundLoad(options: BackgroundLoadOptions): BackgroundLoad {
  if (!(options.rps > 0 && Number.isFinite(options.rps)))
    throw new RangeError(`rps must be a number > 0, got ${options.rps}`);
  const { logger } = options;
  // Our own signal, following the caller's: every outstanding request listens to it.
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal);
  const signal = stopping.signal;
  if (options.signal.aborted) stopping.abort();
  else options.signal.addEventListener('abort', () => stopping.abort(), { once: true });
  const threshold = options.failuresBeforeBackoff ?? 3;
  const baseMs = options.backoffBaseMs ?? 500;
  const maxMs = options.backoffMaxMs ?? 30_000;
  const random = seededRandom(options.seed ?? freshSeed());
  const client = new HttpClient({ timeoutMs: options.timeoutMs ?? 5_000, connectionsPerOrigin: 32 });
  const journeys = new FleetJourneys({
    gatewayUrl: options.gatewayUrl,
    client,
    random,
    users: options.users ?? 5,
    mix: options.mix,
  });
  const maxInFlight = Math.max(16, Math.ceil(options.rps * 5));
  const byStatus = new Map<string, number>();
  const stats: Omit<BackgroundLoadStats, 'byStatus' | 'ordersPlaced'> = {
    state: 'running',
    sent: 0,
    ok: 0,
    clientErrors: 0,
    rateLimited: 0,
    errors: 0,
    dropped: 0,
    consecutiveFailures: 0,
    backoffs: 0,
    backoffMs: 0,
  };
  let inFlight = 0;

  const count = (outcome: Outcome) => {
    if (outcome.error === 'aborted') return; // stopped by us, not a failure of the fleet
    const key = outcome.status === 0 ? (outcome.error ?? 'no_response') : String(outcome.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    if (outcome.status === 0 || outcome.status >= 500) {
      stats.errors++;
      stats.lastError = `${outcome.kind}: ${key}${outcome.error && outcome.status > 0 ? ` ${outcome.error}` : ''}`;
    } else if (outcome.status === 429) stats.rateLimited++;
    else if (outcome.status >= 400) stats.clientErrors++;
    else stats.ok++;
    if (unreachable(outcome)) stats.consecutiveFailures++;
    else stats.consecutiveFailures = 0;
  };

  const send = async (): Promise<Outcome> => {
    stats.sent++;
    inFlight++;
    try {
      const outcome = await journeys.operation(ARRIVAL, signal);
      count(outcome);
      return outcome;
    } catch (err) {
      // journeys.operation does not throw; this is the last line of defence for a long-lived loop.
      const outcome: Outcome = { kind: 'unknown', status: 0, error: 'loadgen_error' };
      count(outcome);
      logger?.warn({ err }, 'background load: unexpected error');
      return outcome;
    } finally {
      inFlight--;
    }
  };

  const pause = async (ms: number): Promise<boolean> => {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  };

  const loop = async () => {
    logger?.info({ gatewayUrl: options.gatewayUrl, rps: options.rps }, 'background load started');
    let backoffMs = baseMs;
    while (!signal.aborted) {
      if (stats.state === 'backing-off') {
        // Equal jitter: never hammer at once, never wait much less than planned.
        stats.backoffMs = backoffMs;
        if (!(await pause(backoffMs / 2 + (random() * backoffMs) / 2))) break;
        const probe = await send();
        if (unreachable(probe)) {
          backoffMs = Math.min(maxMs, backoffMs * 2);
          continue;
        }
        if (probe.error === 'aborted') break;
        stats.state = 'running';
        stats.backoffMs = 0;
        backoffMs = baseMs;
        logger?.info(
          { gatewayUrl: options.gatewayUrl },
          'background load: gateway reachable again, resuming',
        );
        continue;
      }
      if (!(await pause(exponential(random, options.rps / 1000)))) break;
      if (inFlight >= maxInFlight) {
        stats.dropped++;
        continue;
      }
      void send().then((outcome) => {
        if (stats.state === 'running' && unreachable(outcome) && stats.consecutiveFailures >= threshold) {
          stats.state = 'backing-off';
          stats.backoffs++;
          logger?.warn(
            { gatewayUrl: options.gatewayUrl, lastError: stats.lastError },
            'background load: gateway unreachable, backing off',
          );
        }
      });
    }
    // Outstanding requests end quickly: they share the aborted signal.
    while (inFlight > 0) await sleep(10);
  };

  const done = loop()
    .catch((err) => logger?.warn({ err }, 'background load stopped on an unexpected error'))
    .then(() => client.close())
    .catch(() => undefined)
    .then(() => {
      stats.state = 'stopped';
      stats.backoffMs = 0;
      logger?.info({ sent: stats.sent, errors: stats.errors }, 'background load stopped');
    });

  return {
    stats: () => ({
      ...stats,
      byStatus: Object.fromEntries([...byStatus.entries()].sort(([a], [b]) => a.localeCompare(b))),
      ordersPlaced: journeys.ordersPlaced,
    }),
    done,
  };
}
