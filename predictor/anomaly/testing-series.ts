// Deterministic synthetic series for the detector's tests: seeded noise plus one kind of change.
import { seededRandom } from '../../lib/index.ts';

/** Standard normal noise (Box–Muller) from a seed. */
export function gaussianNoise(length: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

/** Five-minute timestamps starting at 2024-01-01T00:00Z. */
export function fiveMinuteTimes(length: number): Float64Array {
  const start = Date.UTC(2024, 0, 1);
  return Float64Array.from({ length }, (_, i) => start + i * 300_000);
}
