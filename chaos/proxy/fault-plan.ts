// Which faults hit one request or connection. Each matching fault rolls its own percentage; the
// delays of every latency fault that fires add up, and the first abort that fires (by id) answers
// the request after those delays, as a client would see a slow failure.
import type { ActiveFault } from './fault-table.ts';
import { type Random, standardNormal } from './random.ts';

export interface AppliedFault {
  id: string;
  type: 'latency' | 'abort';
}

export interface Plan {
  delayMs: number;
  abort?: { status: number; faultId: string };
  applied: AppliedFault[];
}

const NOTHING: Plan = Object.freeze({ delayMs: 0, applied: [] }) as Plan;

export function matches(fault: ActiveFault, method: string, path: string): boolean {
  const match = fault.spec.match;
  if (!match) return true;
  if (fault.methods && !fault.methods.has(method as never)) return false;
  if (match.pathPrefix !== undefined && !path.startsWith(match.pathPrefix)) return false;
  if (fault.pathRegExp && !fault.pathRegExp.test(path)) return false;
  return true;
}

function fires(percent: number, random: Random): boolean {
  return percent >= 100 || (percent > 0 && random() * 100 < percent);
}

export function sampleDelay(spec: ActiveFault['spec'], random: Random): number {
  if (spec.type !== 'latency') return 0;
  const { fixedMs, jitterMs, distribution } = spec.latency;
  if (jitterMs === 0) return fixedMs;
  const offset =
    distribution === 'normal' ? standardNormal(random) * jitterMs : (random() * 2 - 1) * jitterMs;
  return Math.max(0, fixedMs + offset);
}

/** The plan for an HTTP request; `path` excludes the query string. */
export function planRequest(
  faults: readonly ActiveFault[],
  method: string,
  path: string,
  random: Random,
): Plan {
  if (faults.length === 0) return NOTHING;
  let plan: Plan | undefined;
  for (const fault of faults) {
    if (!matches(fault, method, path) || !fires(fault.spec.percent, random)) continue;
    plan ??= { delayMs: 0, applied: [] };
    if (fault.spec.type === 'latency') {
      plan.delayMs += sampleDelay(fault.spec, random);
      plan.applied.push({ id: fault.id, type: 'latency' });
    } else if (!plan.abort) {
      plan.abort = { status: fault.spec.abort.status, faultId: fault.id };
      plan.applied.push({ id: fault.id, type: 'abort' });
    }
  }
  return plan ?? NOTHING;
}

/** The plan for a TCP connection: only latency faults (without a match) apply, as connect delay. */
export function planConnection(faults: readonly ActiveFault[], random: Random): Plan {
  return planRequest(
    faults.filter((f) => f.spec.type === 'latency' && !f.spec.match),
    'CONNECT',
    '/',
    random,
  );
}
