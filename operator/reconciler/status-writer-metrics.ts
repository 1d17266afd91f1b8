// The status writer's own series on the operator's registry: writes by kind and result, and the
// drift writes waiting. A registry outlives a leadership term while a writer lives for one term,
// so a second writer on the same registry reuses the series instead of registering them again.
import { Counter, Gauge, type Registry } from 'prom-client';

export type StatusWriteKind = 'change' | 'drift' | 'flush';
export type StatusWriteResult = 'ok' | 'conflict' | 'error';

export interface StatusWriterMetrics {
  written(kind: StatusWriteKind, result: StatusWriteResult): void;
  pending(count: number): void;
}

const WRITES = 'homeostat_operator_status_writes_total';
const PENDING = 'homeostat_operator_status_pending_writes';

export function statusWriterMetrics(registry: Registry): StatusWriterMetrics {
  const writes =
    (registry.getSingleMetric(WRITES) as Counter<'kind' | 'result'> | undefined) ??
    new Counter({
      name: WRITES,
      help: 'ResiliencePolicy status writes by kind (change: written at once by the reconcile; drift: readings only, written in the background; flush: drift written at the end of a term) and result (a conflict is retried from a fresh read).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    });
  const pending =
    (registry.getSingleMetric(PENDING) as Gauge | undefined) ??
    new Gauge({
      name: PENDING,
      help: 'Policies whose readings changed and wait for their next background status write.',
      registers: [registry],
    });
  return {
    written: (kind, result) => writes.inc({ kind, result }),
    pending: (count) => pending.set(count),
  };
}
