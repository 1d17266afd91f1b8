// A replay that cannot run: bad fleet or autoscaler options, a load that is not a rate, a
// forecast table written out of range. The message names what is wrong.

export class ScalingEvaluationError extends Error {
  override name = 'ScalingEvaluationError';
}
