// Input the risk model cannot use. The message names what is wrong, so the operator can say why
// it has no risk estimate and carry on without one.

export class RiskInputError extends Error {
  override name = 'RiskInputError';
}
