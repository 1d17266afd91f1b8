// The check behind each decision's verification: some time after it, did the target meet its SLO
// again? Reads the target's signals now and compares them with the policy's objectives. No data is
// not a recovery: it is Inconclusive.
import { parseResiliencePolicy } from '../../crds/index.ts';
import type { CheckResult, LoggedDecision } from '../decisions/index.ts';
import type { MetricsSource, SignalValue } from '../metrics/index.ts';
import type { ClusterCaches } from './caches.ts';

function reading(v: SignalValue, scale: number, unit: string, threshold: number | undefined) {
  return {
    value: v.state === 'Missing' ? null : v.value * scale,
    unit,
    freshness:
      v.state === 'Ok' ? ('Fresh' as const) : v.state === 'Stale' ? ('Stale' as const) : ('Missing' as const),
    ...(threshold === undefined ? {} : { threshold }),
    ...(v.state === 'Missing' ? {} : { observedAt: new Date(v.sampledAtMs).toISOString() }),
  };
}

export function sloVerificationCheck(
  caches: ClusterCaches,
  source: MetricsSource,
  windowSeconds: number,
): (decision: LoggedDecision, opts: { signal: AbortSignal }) => Promise<CheckResult> {
  return async (decision, { signal }) => {
    const { namespace, name } = decision.policy;
    const obj = caches.policies.get(namespace, name);
    if (!obj) return { recovered: false, inconclusive: true, message: 'the policy no longer exists' };
    const parsed = parseResiliencePolicy({ ...obj, status: undefined }, { unknownFields: 'prune' });
    if (!parsed.ok) return { recovered: false, inconclusive: true, message: 'the policy is no longer valid' };
    const slo = parsed.value.spec.slo;
    const deploy = caches.deployments.get(namespace, decision.target.name);
    if (!deploy) return { recovered: false, inconclusive: true, message: 'the target no longer exists' };
    const pods = caches
      .podsOf(deploy)
      .filter((p) => p.status?.podIP && p.status.phase === 'Running' && !p.metadata?.deletionTimestamp);
    const read = await source.read(
      { namespace, name: decision.target.name, pods },
      { windowSeconds, signal },
    );
    const latency = reading(read.latencyP99Seconds, 1000, 'ms', slo.latencyP99Ms);
    const errors = reading(read.errorRatio, 1, 'ratio', slo.errorRatio);
    const signals = { latencyP99Ms: latency, errorRatio: errors };
    const checked: [typeof latency, number | undefined][] = [
      [latency, slo.latencyP99Ms],
      [errors, slo.errorRatio],
    ];
    const relevant = checked.filter(([, t]) => t !== undefined);
    if (relevant.length === 0)
      return { recovered: true, signals, message: 'the SLO sets no latency or error objective' };
    if (relevant.some(([r]) => r.value === null))
      return { recovered: false, inconclusive: true, signals, message: 'no data for the SLO signals' };
    const breached = relevant.filter(([r, t]) => (r.value as number) > (t as number));
    return {
      recovered: breached.length === 0,
      signals,
      message:
        breached.length === 0
          ? 'Within the SLO.'
          : `Still breached: ${breached.map(([r, t]) => `${r.value} ${r.unit} > ${t}`).join(', ')}`,
    };
  };
}
