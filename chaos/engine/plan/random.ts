// A small seeded generator (mulberry32): the same seed gives the same sequence on every machine
// and Node version, which is what makes a recorded selection replayable.

export const MAX_SEED = 4_294_967_295;

export { seededRandom } from '../../../lib/index.ts';

/** A fresh seed for a run whose experiment does not fix one. */
export function newSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (MAX_SEED + 1)) >>> 0;
}
