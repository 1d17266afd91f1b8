// A synthetic service with known failure structure, for tests and the risk benchmark:
//   - a daily load cycle; load surges (a 20-minute ramp) breach the latency SLO when they meet the
//     daily peak (latency follows queueing, 1/(1 − utilisation));
//   - memory leaks: the working set ramps for an hour or two; past 85% of the limit garbage
//     collection slows requests, and at the limit the pod is killed (a restart and an error burst);
//   - chaos pod kills (returned as fault intervals) and lone latency spikes that no signal foretells.
// So memory growth precedes most breaches long before latency moves, which a latency threshold
// cannot see and the risk model should learn.
import { seededRandom } from '../../lib/index.ts';
import type { FaultInterval } from './labels.ts';
import type { RiskSeries, RiskSlo } from './series.ts';

export interface SyntheticServiceOptions {
  days: number;
  seed: number;
  stepMs?: number;
  start?: number;
  target?: string;
  leaksPerDay?: number;
  surgesPerDay?: number;
  chaosPerDay?: number;
  spikesPerDay?: number;
}

export interface SyntheticService {
  target: string;
  series: RiskSeries;
  slo: RiskSlo;
  faults: FaultInterval[];
  /** Start steps of each memory leak and load surge (ground truth, for tests). */
  leakStarts: number[];
  surgeStarts: number[];
}

const MIB = 1024 * 1024;

function rng(seed: number): { u: () => number; n: () => number } {
  const u = seededRandom(seed);
  const n = () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
  return { u, n };
}

export function syntheticService(o: SyntheticServiceOptions): SyntheticService {
  const stepMs = o.stepMs ?? 60_000;
  const start = o.start ?? Date.UTC(2026, 0, 5);
  const target = o.target ?? `default/synthetic-${o.seed}`;
  const perDay = 86_400_000 / stepMs;
  const n = Math.round(o.days * perDay);
  const { u, n: gauss } = rng(o.seed);
  const chance = (perDayRate: number) => u() < perDayRate / perDay;
  const min = (m: number) => Math.max(1, Math.round((m * 60_000) / stepMs));

  const slo: RiskSlo = { latencyP99Ms: 300, errorRatio: 0.02 };
  const base = 100;
  const capacity = base * 2.2;
  const limit = 512 * MIB;
  const idleMemory = 240 * MIB;
  const s: RiskSeries = {
    stepMs,
    times: [],
    requestRate: [],
    latencyP99Ms: [],
    errorRatio: [],
    saturation: [],
    memoryBytes: [],
    restarts: [],
  };
  const faults: FaultInterval[] = [];
  const leakStarts: number[] = [];
  const surgeStarts: number[] = [];
  let memory = idleMemory;
  let leakRate = 0;
  let restarts = 0;
  let errorBurstUntil = -1;
  let surge: { at: number; peak: number } | undefined;
  let chaosUntil = -1;
  for (let i = 0; i < n; i++) {
    const t = start + i * stepMs;
    const day = ((t % 86_400_000) / 86_400_000) * 2 * Math.PI;
    let rate = base * (1 + 0.45 * Math.sin(day - Math.PI / 2)) * (1 + 0.04 * gauss());
    if (surge === undefined && chance(o.surgesPerDay ?? 3)) {
      surge = { at: i, peak: 1.5 + 0.5 * u() };
      surgeStarts.push(i);
    }
    if (surge !== undefined) {
      const k = i - surge.at;
      const up = min(20);
      const hold = min(15);
      const down = min(15);
      const f = k < up ? k / up : k < up + hold ? 1 : k < up + hold + down ? 1 - (k - up - hold) / down : 0;
      rate *= 1 + (surge.peak - 1) * f;
      if (k >= up + hold + down) surge = undefined;
    }
    rate = Math.max(0, rate);

    if (leakRate === 0 && chance(o.leaksPerDay ?? 2)) {
      leakRate = (2 + 4 * u()) * MIB * (stepMs / 60_000);
      leakStarts.push(i);
    }
    memory += leakRate + 3 * MIB * gauss() * 0.3;
    memory = Math.max(idleMemory * 0.9, memory);
    let killed = false;
    if (memory >= limit) killed = true;
    if (i > chaosUntil && chance(o.chaosPerDay ?? 0.5)) {
      const length = min(2 + 3 * u());
      chaosUntil = i + length;
      faults.push({ target, start: t, end: t + length * stepMs });
      killed = true;
    }
    if (killed) {
      restarts++;
      memory = idleMemory;
      leakRate = 0;
      errorBurstUntil = i + min(2);
    }

    const util = rate / capacity;
    const fill = memory / limit;
    const gc = fill > 0.85 ? 1 + 6 * ((fill - 0.85) / 0.15) ** 2 : 1;
    let latency = (45 / (1 - Math.min(util, 0.97))) * gc * Math.exp(0.08 * gauss());
    if (chance(o.spikesPerDay ?? 1)) latency *= 3 + 3 * u();
    let errors = Math.max(0, 0.002 * (1 + 0.3 * gauss())) + Math.max(0, util - 0.95) * 2;
    if (i <= errorBurstUntil) errors += 0.15;
    s.times.push(t);
    s.requestRate.push(rate);
    s.latencyP99Ms.push(latency);
    s.errorRatio.push(Math.min(1, errors));
    s.saturation.push(Math.max(0, util + 0.02 * gauss()));
    s.memoryBytes.push(memory);
    s.restarts.push(restarts);
  }
  return { target, series: s, slo, faults, leakStarts, surgeStarts };
}
