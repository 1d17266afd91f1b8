// Seeded randomness for fault decisions, so a test (or a replayed experiment) can repeat exactly
// which requests were hit.

/** Uniform on [0, 1). */
export type Random = () => number;

export { seededRandom } from '../../lib/index.ts';

/** A standard normal sample (Box-Muller). */
export function standardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1], so the log is finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
