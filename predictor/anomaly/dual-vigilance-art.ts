// A dual-vigilance fuzzy ART categoriser (after Carpenter and Grossberg's fuzzy ART and the DVFA
// variant used by ARTime): inputs in [0, 1]^d are complement coded, each category keeps a weight
// vector, and the match of an input to a category is its fuzzy overlap |min(x, w)| / |w|. A match at
// or above the upper vigilance teaches the category (w ← min(x, w)); failing that, a match at or above
// the lower vigilance commits the input as a new category of an existing cluster; anything else is a
// new cluster: the input resembles nothing learnt, which is what the anomaly detector listens for.
//
// The match also weighs the last input coordinate, the newest level of the window, separately
// ("energy"), so a familiar shape at an unfamiliar level does not resonate. The number of categories
// is capped (a detector runs for months): beyond it, the category unused for longest is forgotten.

export interface ArtOutcome {
  /** Best match over all categories, in [0, 1]. */
  match: number;
  /** The energy (newest-level) part of that best match. */
  energy: number;
  /** The input started a new cluster: nothing learnt resembled it. */
  newCluster: boolean;
}

export class DualVigilanceArt {
  /** Lower and upper vigilance; set by the owner as it adapts them. */
  lower = 0;
  upper = 0;
  private readonly weights: Float64Array[] = [];
  private readonly weightNorms: number[] = [];
  /** Presentation count at which each category last resonated or was committed. */
  private readonly lastUsed: number[] = [];
  private presented = 0;

  constructor(
    readonly dimension: number,
    readonly capacity = 2000,
  ) {
    if (!Number.isInteger(dimension) || dimension < 1)
      throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get categories(): number {
    return this.weights.length;
  }

  /** Matches `input` (d values in [0, 1]) against every category and, when `learn`, learns from it. */
  present(input: ArrayLike<number>, learn = true): ArtOutcome {
    const d = this.dimension;
    if (input.length !== d) throw new RangeError(`expected ${d} features, got ${input.length}`);
    const x = new Float64Array(2 * d);
    for (let j = 0; j < d; j++) {
      const v = input[j];
      if (!(v >= 0 && v <= 1)) throw new RangeError(`feature ${j} must be in [0, 1], got ${v}`);
      x[j] = v;
      x[d + j] = 1 - v;
    }
    const count = this.weights.length;
    const matches = new Float64Array(count);
    const energies = new Float64Array(count);
    for (let c = 0; c < count; c++) {
      const w = this.weights[c];
      let overlap = 0;
      for (let j = 0; j < 2 * d; j++) overlap += Math.min(x[j], w[j]);
      const feature = overlap / Math.max(this.weightNorms[c], 1e-3);
      const eNum = Math.min(x[d - 1], w[d - 1]) + Math.min(x[2 * d - 1], w[2 * d - 1]);
      const eDen = w[d - 1] + w[2 * d - 1];
      const energy = eDen > 0 ? eNum / eDen : 1;
      matches[c] = feature ** 3 * energy ** 2;
      energies[c] = energy;
    }
    const order = Array.from({ length: count }, (_, c) => c).sort((a, b) => matches[b] - matches[a]);
    const best = order[0];
    const outcome: ArtOutcome = {
      match: best === undefined ? 0 : matches[best],
      energy: best === undefined ? 0 : energies[best],
      newCluster: false,
    };
    if (!learn) return outcome;
    this.presented++;
    let resonated = false;
    for (const c of order) {
      const m = matches[c];
      if (m >= this.upper) {
        // Every category above the upper vigilance learns (fast commit).
        const w = this.weights[c];
        let norm = 0;
        for (let j = 0; j < 2 * d; j++) {
          w[j] = Math.min(x[j], w[j]);
          norm += w[j];
        }
        this.weightNorms[c] = norm;
        this.lastUsed[c] = this.presented;
        resonated = true;
      } else if (m >= this.lower && !resonated) {
        this.commit(x);
        resonated = true;
        break;
      } else break;
    }
    if (!resonated) {
      this.commit(x);
      outcome.newCluster = true;
    }
    return outcome;
  }

  private commit(x: Float64Array): void {
    if (this.weights.length >= this.capacity) {
      let stalest = 0;
      for (let c = 1; c < this.lastUsed.length; c++)
        if (this.lastUsed[c] < this.lastUsed[stalest]) stalest = c;
      this.weights.splice(stalest, 1);
      this.weightNorms.splice(stalest, 1);
      this.lastUsed.splice(stalest, 1);
    }
    this.weights.push(x);
    this.weightNorms.push(x.reduce((s, v) => s + v, 0));
    this.lastUsed.push(this.presented);
  }
}
