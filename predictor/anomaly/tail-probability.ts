// Gaussian tail probabilities in log space and the anomaly score made of them. Working in log
// space keeps extreme deviations distinguishable (no underflow to 0, no saturation at 1), so the
// threshold a benchmark or an operator picks can still separate "rare" from "very rare".

/**
 * ln P(Z > z) for a standard normal Z: Abramowitz–Stegun 7.1.26 for erfc, kept in log space so it
 * stays finite for any z (its relative error is irrelevant on a log scale).
 */
export function logNormalTail(z: number): number {
  if (z < 0) return Math.log1p(-Math.exp(logNormalTail(-z)));
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.log(0.5 * poly) - x * x;
}

/**
 * Maps ln p of a tail probability to a score in [0, 1): 0 for p = 1, `halfAt` decades of rarity
 * (p = 10^-halfAt) give 0.5, and the score keeps rising with rarity without reaching 1.
 */
export function rarityScore(logP: number, halfAt = 10): number {
  const decades = Math.max(0, -logP / Math.LN10);
  return decades / (decades + halfAt);
}
