import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { ProtoWriter } from './test-support/proto-writer.ts';
import { isNonZero, toInt32, toInt64, WireReader, WireType } from './wire.ts';

const reader = (bytes: number[] | Buffer) => new WireReader(Buffer.from(bytes));
const varintOf = (v: number | bigint) => new WireReader(ProtoWriter.varintBytes(v)).varint();

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(400);
    return (e as ApiError).message;
  }
  throw new Error('expected a 400 ApiError');
}

describe('varints', () => {
  it('reads one-byte, multi-byte and full 64-bit values exactly', () => {
    expect(reader([0x00]).varint()).toEqual({ lo: 0, hi: 0 });
    expect(reader([0x96, 0x01]).varint()).toEqual({ lo: 150, hi: 0 });
    expect(varintOf(2 ** 32)).toEqual({ lo: 0, hi: 1 });
    expect(varintOf(2 ** 53 - 1)).toEqual({ lo: 0xffffffff, hi: 0x1fffff });
    expect(varintOf(0xffffffffffffffffn)).toEqual({ lo: 0xffffffff, hi: 0xffffffff });
  });

  it('reads a negative int32, which Go sign-extends to ten bytes, as the negative number', () => {
    const bytes = ProtoWriter.varintBytes(-1);
    expect(bytes.length).toBe(10);
    expect(toInt32(new WireReader(bytes).varint())).toBe(-1);
    expect(toInt32(varintOf(-2147483648))).toBe(-2147483648);
    // An int32 keeps the low 32 bits, as Go's generated decoders do.
    expect(toInt32(varintOf(2 ** 32 + 7))).toBe(7);
  });

  it('reads negative and large int64 values, refusing those JSON numbers cannot hold exactly', () => {
    const where = () => 'metadata.generation';
    expect(toInt64(varintOf(-1), where)).toBe(-1);
    expect(toInt64(varintOf(-(2 ** 40) - 3), where)).toBe(-(2 ** 40) - 3);
    expect(toInt64(varintOf(Number.MAX_SAFE_INTEGER), where)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toInt64(varintOf(Number.MIN_SAFE_INTEGER), where)).toBe(Number.MIN_SAFE_INTEGER);
    expect(badRequest(() => toInt64(varintOf(2n ** 63n - 1n), where))).toMatch(
      /metadata.generation holds 9223372036854775807, beyond the ±2\^53 range/,
    );
    expect(badRequest(() => toInt64(varintOf(-(2n ** 60n)), where))).toMatch(/holds -1152921504606846976/);
  });

  it('treats any set bit as true for bools', () => {
    expect(isNonZero(varintOf(0))).toBe(false);
    expect(isNonZero(varintOf(2 ** 40))).toBe(true);
  });

  it('rejects truncated and over-long varints with the byte offset', () => {
    expect(badRequest(() => reader([0x80, 0x80]).varint())).toMatch(/truncated varint at byte 0/);
    expect(badRequest(() => reader(new Array(11).fill(0x80)).varint())).toMatch(
      /varint longer than 10 bytes at byte 0/,
    );
  });
});

describe('tags and values', () => {
  it('splits a tag into field number and wire type', () => {
    expect(reader([0x0a]).tag()).toEqual({ field: 1, wireType: WireType.LengthDelimited, offset: 0 });
    expect(new WireReader(ProtoWriter.varintBytes(41 * 8)).tag()).toMatchObject({ field: 41, wireType: 0 });
  });

  it('rejects field number 0, tags wider than 32 bits and wire types 6 and 7', () => {
    expect(badRequest(() => reader([0x02]).tag())).toMatch(/invalid field number 0 at byte 0/);
    expect(badRequest(() => new WireReader(ProtoWriter.varintBytes(2 ** 35)).tag())).toMatch(
      /larger than 32 bits/,
    );
    expect(badRequest(() => reader([0x0e]).tag())).toMatch(/invalid wire type 6 for field 1/);
  });

  it('bounds length-delimited values by the enclosing message, not the whole buffer', () => {
    const buf = Buffer.from([0x03, 0x61, 0x62, 0x63, 0xff]);
    expect(new WireReader(buf, 0, 4).lengthDelimited()).toEqual({ start: 1, end: 4 });
    expect(badRequest(() => new WireReader(buf, 0, 3).lengthDelimited())).toMatch(
      /declares 3 bytes but only 2 remain/,
    );
  });

  it('reports offsets relative to the request body', () => {
    expect(badRequest(() => new WireReader(Buffer.from([0x80]), 0, 1, 40).varint())).toMatch(/at byte 40/);
  });

  it('skips every wire type kube uses and refuses groups', () => {
    const body = new ProtoWriter()
      .varint(1, -1)
      .double(2, 1)
      .string(3, 'x')
      .raw(Buffer.from([0x25, 1, 2, 3, 4]))
      .finish();
    const r = new WireReader(body);
    for (let i = 0; i < 4; i++) r.skip(r.tag());
    expect(r.done()).toBe(true);
    const f = reader([0x09, 1, 2, 3]);
    expect(badRequest(() => f.skip(f.tag()))).toMatch(/truncated 64-bit value at byte 1/);
    const g = reader([0x0b, 0x0c]);
    expect(badRequest(() => g.skip(g.tag()))).toMatch(/field 1 at byte 0 uses the start-group wire type/);
  });
});
