// Chart input that cannot be drawn: the message names the field (and the series) that is wrong.

export class ChartInputError extends Error {
  override name = 'ChartInputError';
}
