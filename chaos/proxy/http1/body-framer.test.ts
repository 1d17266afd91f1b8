import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyFramer, FramingError } from './body-framer.ts';

/** Feeds `bytes` to a framer in the given pieces; returns how many were taken and whether it ended. */
function feed(framer: BodyFramer, bytes: Buffer, cuts: number[]): { taken: number; done: boolean } {
  let taken = 0;
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const piece = bytes.subarray(from, cut);
    from = cut;
    if (framer.done) break;
    taken += framer.consume(piece);
  }
  return { taken, done: framer.done };
}

const chunkedBody = fc
  .record({
    chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 6 }),
    extension: fc.constantFrom('', ';name=value', ';a', ' ;q="x"'),
    upper: fc.boolean(),
    trailers: fc.array(fc.constantFrom('x-checksum: abc', 'expires: 0'), { maxLength: 2 }),
  })
  .map(({ chunks, extension, upper, trailers }) => {
    const parts: Buffer[] = [];
    for (const c of chunks) {
      const size = c.length.toString(16);
      parts.push(
        Buffer.from(`${upper ? size.toUpperCase() : size}${extension}\r\n`),
        Buffer.from(c),
        Buffer.from('\r\n'),
      );
    }
    parts.push(Buffer.from(`0${extension}\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
    return Buffer.concat(parts);
  });

describe('BodyFramer', () => {
  it('finds the end of any chunked body, however the socket splits it, and takes nothing after it', () => {
    fc.assert(
      fc.property(chunkedBody, fc.array(fc.nat(4000), { maxLength: 8 }), (body, cuts) => {
        const next = Buffer.from('GET /next HTTP/1.1\r\n');
        const { taken, done } = feed(new BodyFramer({ kind: 'chunked' }), Buffer.concat([body, next]), cuts);
        expect(done).toBe(true);
        expect(taken).toBe(body.length);
      }),
    );
  });

  it('is not done before the last byte of a chunked body', () => {
    fc.assert(
      fc.property(chunkedBody, (body) => {
        const framer = new BodyFramer({ kind: 'chunked' });
        expect(framer.consume(body.subarray(0, body.length - 1))).toBe(body.length - 1);
        expect(framer.done).toBe(false);
        expect(framer.consume(body.subarray(body.length - 1))).toBe(1);
        expect(framer.done).toBe(true);
      }),
    );
  });

  it('counts a Content-Length body across pieces', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.nat(6000), { maxLength: 5 }),
        (length, cuts) => {
          const bytes = Buffer.alloc(length + 10, 1);
          expect(feed(new BodyFramer({ kind: 'length', length }), bytes, cuts)).toEqual({
            taken: length,
            done: true,
          });
        },
      ),
    );
  });

  it('takes everything until the connection closes when the body has no length', () => {
    const framer = new BodyFramer({ kind: 'close' });
    expect(framer.consume(Buffer.alloc(100))).toBe(100);
    expect(framer.done).toBe(false);
  });

  it.each([
    ['a size that is not hex', 'zz\r\nabc\r\n0\r\n\r\n'],
    ['no size at all', '\r\n'],
    ['data longer than its size', '3\r\nabcd\r\n0\r\n\r\n'],
    ['a bare LF after the size', '3\nabc\r\n0\r\n\r\n'],
    ['a size beyond 2^52', '10000000000000\r\n'],
    ['a bare LF in a trailer', '0\r\nx-a: b\n\r\n'],
  ])('refuses a chunked body with %s', (_what, text) => {
    const framer = new BodyFramer({ kind: 'chunked' });
    expect(() => framer.consume(Buffer.from(text))).toThrow(FramingError);
  });
});
