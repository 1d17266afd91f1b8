// The proxy's RED metrics, one registry per proxy so that several proxies (tests, benches) in one
// process never collide. Latency is measured from the request's arrival to the end of the response,
// so injected delay is included: that is what clients see.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { HTTP_METHODS } from './fault-spec.ts';
import type { FaultTable } from './fault-table.ts';

const KNOWN_METHODS = new Set<string>(HTTP_METHODS);

/** Methods outside the standard set share one label value, so clients cannot blow up cardinality. */
export function methodLabel(method: string | undefined): string {
  return method && KNOWN_METHODS.has(method) ? method : 'OTHER';
}

export type ErrorReason =
  | 'upstream_5xx'
  | 'injected_abort'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'client_aborted';

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'code'>;
  readonly duration: Histogram<'method' | 'code'>;
  readonly errors: Counter<'method' | 'reason'>;
  readonly injected: Counter<'fault_id' | 'type'>;
  readonly upstreamErrors: Counter<'code'>;
  readonly connections: Counter<never>;
  // Label children by "method code": looking them up by label object costs more than the rest of a
  // request's bookkeeping.
  private readonly children = new Map<
    string,
    { requests: { inc(): void }; duration: { observe(v: number): void } }
  >();

  constructor(faults: FaultTable, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'chaos_proxy_requests_total',
      help: 'HTTP requests answered by the proxy, by method and status code',
      labelNames: ['method', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'chaos_proxy_request_duration_seconds',
      help: 'Time from request arrival to the end of the response, injected latency included',
      labelNames: ['method', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'chaos_proxy_request_errors_total',
      help: 'HTTP requests that failed: 5xx answers, injected aborts, unreachable upstream, client aborts',
      labelNames: ['method', 'reason'],
      registers,
    });
    this.injected = new Counter({
      name: 'chaos_proxy_faults_injected_total',
      help: 'Faults applied to requests or connections, by fault id and type',
      labelNames: ['fault_id', 'type'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'chaos_proxy_upstream_errors_total',
      help: 'Failures talking to the upstream, by error code',
      labelNames: ['code'],
      registers,
    });
    this.connections = new Counter({
      name: 'chaos_proxy_tcp_connections_total',
      help: 'TCP connections accepted (tcp mode)',
      registers,
    });
    new Gauge({
      name: 'chaos_proxy_active_faults',
      help: 'Faults in force now, by type',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        this.set({ type: 'latency' }, 0);
        this.set({ type: 'abort' }, 0);
        for (const f of faults.active()) this.inc({ type: f.spec.type });
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request: its count, its duration and, when it failed, why. */
  recordRequest(method: string, code: number, seconds: number, failure: ErrorReason | undefined): void {
    const key = `${method} ${code}`;
    let child = this.children.get(key);
    if (!child) {
      const status = String(code);
      child = {
        requests: this.requests.labels(method, status),
        duration: this.duration.labels(method, status),
      };
      this.children.set(key, child);
    }
    child.requests.inc();
    child.duration.observe(seconds);
    const reason = failure ?? (code >= 500 ? 'upstream_5xx' : undefined);
    if (reason) this.errors.inc({ method, reason });
  }
}
