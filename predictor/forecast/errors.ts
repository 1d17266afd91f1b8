// Input the forecaster cannot use: the message says what is wrong so the caller can report why it
// cannot forecast and fall back to reactive scaling.

export class ForecastInputError extends Error {
  override name = 'ForecastInputError';
}
