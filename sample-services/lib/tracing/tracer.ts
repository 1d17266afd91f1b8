// Spans for requests and downstream calls. Trace context is always propagated (traceparent in,
// traceparent out); spans are recorded and exported over OTLP/HTTP only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, and only then is the OpenTelemetry SDK loaded, so start-up
// stays fast for the common case.

import type { Logger } from 'pino';
import { newSpanId, newTraceId, type SpanContext } from './trace-context.ts';

export type SpanAttributes = Record<string, string | number | boolean>;

export interface Span {
  readonly context: SpanContext;
  /** A client span for a call made on behalf of this one. */
  child(name: string, attributes?: SpanAttributes): Span;
  updateName(name: string): void;
  setAttributes(attributes: SpanAttributes): void;
  end(options?: { error?: string }): void;
}

export interface StartSpanOptions {
  /** The remote parent (from traceparent); absent starts a new trace. */
  parent?: SpanContext;
  /** `server` for a request served, `internal` for background work. */
  kind: 'server' | 'internal';
  attributes?: SpanAttributes;
}

export interface Tracer {
  startSpan(name: string, options: StartSpanOptions): Span;
  shutdown(): Promise<void>;
}

/** Propagates context without recording anything. */
class PropagatingSpan implements Span {
  constructor(readonly context: SpanContext) {}
  child(): Span {
    return new PropagatingSpan({ ...this.context, spanId: newSpanId() });
  }
  updateName(): void {}
  setAttributes(): void {}
  end(): void {}
}

export const propagatingTracer: Tracer = {
  startSpan(_name, { parent }) {
    return new PropagatingSpan({
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      flags: parent?.flags ?? '01',
    });
  },
  async shutdown() {},
};

export interface TracerOptions {
  service: string;
  endpoint: string | undefined;
  log: Logger;
}

export async function createTracer(options: TracerOptions): Promise<Tracer> {
  if (!options.endpoint) return propagatingTracer;
  const { OtelTracer } = await import('./otel-tracer.ts');
  options.log.info({ endpoint: options.endpoint }, 'exporting spans over OTLP/HTTP');
  return new OtelTracer(options.service, options.endpoint);
}
