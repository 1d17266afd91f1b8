// Deterministic synthetic series for the detector's tests: seeded noise plus one kind of change.

/** Mulberry32: a small seeded generator, so every run sees the same "random" noise. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal noise (Box–Muller) from a seed. */
export function gaussianNoise(length: number, seed: number): Float64Array {
  const next = uniform(seed);
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
