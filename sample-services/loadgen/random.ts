// A small seeded random source, so a load run's arrival times and choices can be repeated exactly.

/** Uniform on [0, 1). */
export type Random = () => number;

/** mulberry32: a 32-bit generator, fast and good enough for workload sampling (not for secrets). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponentially distributed wait with the given rate (events per unit of the result). */
export function exponential(random: Random, rate: number): number {
  return -Math.log(1 - random()) / rate;
}

/** A whole number in [min, max]. */
export function integerBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pickOne<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pickOne needs at least one item');
  return items[Math.floor(random() * items.length)];
}

/** A seed for runs that did not ask for one; printed with the results so the run can be repeated. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 0xffffffff);
}
