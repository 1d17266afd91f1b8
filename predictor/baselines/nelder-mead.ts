// A small Nelder-Mead simplex minimiser, enough to refine a handful of smoothing parameters.

export interface NelderMeadOptions {
  maxIterations?: number;
  initialStep?: number;
  /** Stop when the simplex's values differ by less than this. */
  tolerance?: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: NelderMeadOptions = {},
): { x: number[]; value: number } {
  const { maxIterations = 200, initialStep = 0.1, tolerance = 1e-10 } = options;
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + initialStep : v)))].map(
    (x) => ({
      x,
      v: f(x),
    }),
  );
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  for (let iter = 0; iter < maxIterations; iter++) {
    simplex.sort((a, b) => a.v - b.v);
    if (Math.abs(simplex[n].v - simplex[0].v) <= tolerance * (1 + Math.abs(simplex[0].v))) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i].x[j] / n;
    const worst = simplex[n];
    const reflected = combine(centroid, worst.x, -1);
    const rv = f(reflected);
    if (rv < simplex[0].v) {
      const expanded = combine(centroid, worst.x, -2);
      const ev = f(expanded);
      simplex[n] = ev < rv ? { x: expanded, v: ev } : { x: reflected, v: rv };
    } else if (rv < simplex[n - 1].v) {
      simplex[n] = { x: reflected, v: rv };
    } else {
      const contracted = combine(centroid, worst.x, rv < worst.v ? -0.5 : 0.5);
      const cv = f(contracted);
      if (cv < Math.min(rv, worst.v)) {
        simplex[n] = { x: contracted, v: cv };
      } else {
        const bestX = simplex[0].x;
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: combine(bestX, p.x, 0.5), v: f(combine(bestX, p.x, 0.5)) },
        );
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0].x, value: simplex[0].v };
}
