// Input checks shared by the baselines: a bad series gets an error naming what is wrong.

export class BaselineInputError extends Error {
  override name = 'BaselineInputError';
}

export function checkSeries(series: readonly number[], what: string): void {
  for (let i = 0; i < series.length; i++) {
    if (!Number.isFinite(series[i])) throw new BaselineInputError(`${what}: value ${i} is ${series[i]}`);
  }
}

export function checkPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new BaselineInputError(`${what} must be a positive integer, got ${value}`);
  }
}
