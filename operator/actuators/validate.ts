// Argument checks with messages that name the argument; a bad argument becomes a failed outcome.
import { ActuatorError } from './outcome.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const MAX_INT32 = 2_147_483_647;

export function invalid(message: string): ActuatorError {
  return new ActuatorError('InvalidArgument', message);
}

export function checkNamespace(arg: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 63 || !DNS1123_LABEL.test(v))
    throw invalid(`${arg} must be a namespace name (a DNS-1123 label), got ${JSON.stringify(v)}`);
  return v;
}

export function checkName(arg: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 253 || !DNS1123_SUBDOMAIN.test(v))
    throw invalid(`${arg} must be an object name (a DNS-1123 subdomain), got ${JSON.stringify(v)}`);
  return v;
}

export function checkInt(arg: string, v: unknown, min: number, max = MAX_INT32): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalid(`${arg} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function checkOptionalString(arg: string, v: unknown, maxLength: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > maxLength)
    throw invalid(`${arg} must be a string of at most ${maxLength} characters`);
  return v;
}

/** A label key: an optional DNS subdomain prefix and a name of up to 63 characters. */
export function checkLabelKey(arg: string, v: unknown): string {
  if (typeof v !== 'string') throw invalid(`${arg} must be a label key, got ${JSON.stringify(v)}`);
  const slash = v.indexOf('/');
  const prefix = slash >= 0 ? v.slice(0, slash) : undefined;
  const name = slash >= 0 ? v.slice(slash + 1) : v;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length === 0 || name.length > 63 || !LABEL_NAME.test(name))
    throw invalid(`${arg} must be a label key such as "app" or "example.com/tier", got ${JSON.stringify(v)}`);
  return v;
}
