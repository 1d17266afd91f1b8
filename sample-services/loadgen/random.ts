// A small seeded random source, so a load run's arrival times and choices can be repeated exactly.

/** Uniform on [0, 1). */
export type Random = () => number;

export { seededRandom } from '../../lib/index.ts';

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
