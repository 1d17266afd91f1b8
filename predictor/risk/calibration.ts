// Platt scaling: a logistic map a·z + b from a score to a probability, fitted on rows the model
// was not trained on, so "0.7" means a breach follows about 70% of the time.
import { RiskInputError } from './errors.ts';

export interface Platt {
  a: number;
  b: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

export function applyPlatt(p: Platt, z: number): number {
  return sigmoid(p.a * z + p.b);
}

/**
 * Fits a and b by Newton's method on the log loss, with Platt's smoothed targets
 * ((N+ + 1)/(N+ + 2) and 1/(N− + 2)) so a separable calibration set does not send a to infinity.
 */
export function fitPlatt(z: ArrayLike<number>, labels: ArrayLike<number>, iterations = 100): Platt {
  if (z.length !== labels.length) throw new RiskInputError(`${z.length} scores but ${labels.length} labels`);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0)
    throw new RiskInputError(
      `calibration needs both outcomes, got ${pos} failures and ${neg} healthy rows; collect more history`,
    );
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const target = (i: number) => (labels[i] === 1 ? hi : lo);
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < z.length; i++) {
      const v = a * z[i] + b;
      // log(1 + e^v) − t·v, computed without overflow.
      l += (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))) - target(i) * v;
    }
    return l;
  };
  let a = 1;
  let b = Math.log((pos + 1) / (neg + 1));
  let current = loss(a, b);
  for (let it = 0; it < iterations; it++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-12;
    let h01 = 0;
    let h11 = 1e-12;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i] + b);
      const d = p - target(i);
      const w = p * (1 - p);
      g0 += d * z[i];
      g1 += d;
      h00 += w * z[i] * z[i];
      h01 += w * z[i];
      h11 += w;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    // Newton's step, halved until the loss falls: a plain step can overshoot far from the optimum.
    let step = 1;
    let next = loss(a - da, b - db);
    while (!(next < current) && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (!(next < current)) break;
    a -= step * da;
    b -= step * db;
    const improved = current - next;
    current = next;
    if (improved < 1e-10 * Math.max(1, Math.abs(current))) break;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RiskInputError('calibration did not converge');
  return { a, b };
}
