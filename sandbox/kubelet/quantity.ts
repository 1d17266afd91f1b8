// Kubernetes resource quantities ("500m", "128Mi", "1.5", "2e3") as plain numbers in base units
// (cores, bytes). Used for QoS classification and resourceFieldRef env vars.

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = QUANTITY.exec(value.trim());
  if (!match)
    throw new Error(
      `invalid quantity "${value}": expected a number with an optional suffix (m, Mi, Gi, k, M, G, ...)`,
    );
  const [, number, exponent, suffix] = match;
  const base = Number(number);
  if (exponent) return base * 10 ** Number(exponent.slice(1));
  return base * SUFFIX[suffix ?? ''];
}

/** Parses, returning undefined for an absent or malformed quantity (never throws). */
export function tryParseQuantity(value: string | number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return parseQuantity(value);
  } catch {
    return undefined;
  }
}
