// The recording tracer: OpenTelemetry SDK spans, batched and exported over OTLP/HTTP (JSON).
// Loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Parents are passed explicitly rather than
// through a global context manager, so no instrumentation or monkey-patching is involved.

import {
  type Span as OtelSpan,
  type Tracer as OtelTracerApi,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SpanContext } from './trace-context.ts';
import type { Span, SpanAttributes, StartSpanOptions, Tracer } from './tracer.ts';

function toSpanContext(span: OtelSpan): SpanContext {
  const ctx = span.spanContext();
  return { traceId: ctx.traceId, spanId: ctx.spanId, flags: ctx.traceFlags.toString(16).padStart(2, '0') };
}

class RecordingSpan implements Span {
  readonly context: SpanContext;

  constructor(
    private readonly tracer: OtelTracerApi,
    private readonly span: OtelSpan,
  ) {
    this.context = toSpanContext(span);
  }

  child(name: string, attributes?: SpanAttributes): Span {
    const parent = trace.setSpan(ROOT_CONTEXT, this.span);
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    return new RecordingSpan(this.tracer, span);
  }

  updateName(name: string): void {
    this.span.updateName(name);
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  end(options?: { error?: string }): void {
    if (options?.error) this.span.setStatus({ code: SpanStatusCode.ERROR, message: options.error });
    this.span.end();
  }
}

export class OtelTracer implements Tracer {
  private readonly provider: NodeTracerProvider;
  private readonly tracer: OtelTracerApi;

  constructor(service: string, endpoint: string) {
    const url = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${endpoint.replace(/\/+$/, '')}/v1/traces`;
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
    });
    this.tracer = this.provider.getTracer('homeostat-fleet');
  }

  startSpan(name: string, { parent, kind, attributes }: StartSpanOptions): Span {
    const parentContext = parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId,
          spanId: parent.spanId,
          traceFlags: Number.parseInt(parent.flags, 16),
          isRemote: true,
        })
      : ROOT_CONTEXT;
    const spanKind = kind === 'server' ? SpanKind.SERVER : SpanKind.INTERNAL;
    const span = this.tracer.startSpan(name, { kind: spanKind, attributes }, parentContext);
    return new RecordingSpan(this.tracer, span);
  }

  /** Flushes buffered spans; called during graceful shutdown. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
