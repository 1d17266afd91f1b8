import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './trace-context.ts';
import { propagatingTracer } from './tracer.ts';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('parses and formats a valid header', () => {
    const ctx = parseTraceparent(VALID);
    expect(ctx).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(formatTraceparent(ctx!)).toBe(VALID);
  });

  it('ignores malformed, forbidden and all-zero headers', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${VALID}-extra`,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  it('accepts future versions with extra fields', () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`)?.spanId).toBe(
      '00f067aa0ba902b7',
    );
  });
});

describe('propagatingTracer', () => {
  it('keeps the caller trace id and makes new span ids for each hop', () => {
    const parent = parseTraceparent(VALID)!;
    const server = propagatingTracer.startSpan('GET', { kind: 'server', parent });
    const client = server.child('GET users');
    expect(server.context.traceId).toBe(parent.traceId);
    expect(client.context.traceId).toBe(parent.traceId);
    expect(new Set([parent.spanId, server.context.spanId, client.context.spanId]).size).toBe(3);
  });

  it('starts a new sampled trace without a parent', () => {
    const span = propagatingTracer.startSpan('GET', { kind: 'server' });
    expect(span.context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.context.flags).toBe('01');
  });
});
