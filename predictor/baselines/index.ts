// Public surface of the forecasting baselines: seasonal-naive and Holt-Winters additive.
export {
  type HoltWintersFitOptions,
  type HoltWintersModel,
  type HoltWintersParams,
  type HoltWintersState,
  holtWintersFilter,
  holtWintersFit,
  holtWintersForecast,
  holtWintersRolling,
} from './holt-winters.ts';
export { type NelderMeadOptions, nelderMead } from './nelder-mead.ts';
export { seasonalNaiveForecast, seasonalNaiveRolling } from './seasonal-naive.ts';
export { BaselineInputError } from './validate.ts';
