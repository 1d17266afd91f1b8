// The protobuf wire format, read-only: tags, varints, fixed-width numbers and length-delimited ranges.
// Every malformed input becomes a 400 ApiError naming what is wrong and where, never a RangeError.
import { type ApiError, errors } from '../errors.ts';

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WIRE_TYPE_NAMES: Record<number, string> = {
  0: 'varint',
  1: '64-bit',
  2: 'length-delimited',
  3: 'start-group',
  4: 'end-group',
  5: '32-bit',
};

export function wireTypeName(w: number): string {
  return WIRE_TYPE_NAMES[w] ?? `invalid (${w})`;
}

/** The largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD_NUMBER = 0x1fffffff;

export function malformed(message: string): ApiError {
  return errors.badRequest(`the request body is not a valid Kubernetes protobuf object: ${message}`);
}

/** A varint as two unsigned 32-bit halves: numbers stay exact without BigInt on the hot path. */
export interface Varint64 {
  lo: number;
  hi: number;
}

export interface Tag {
  field: number;
  wireType: WireType;
  /** Offset of the tag itself, for error messages. */
  offset: number;
}

/** Reads one message's bytes, `buf[start, end)`. Offsets in errors are relative to the whole body. */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
    /** Where `buf[0]` sits in the request body, so errors point at the right byte. */
    readonly baseOffset = 0,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  offset(at = this.pos): number {
    return this.baseOffset + at;
  }

  tag(): Tag {
    const offset = this.offset();
    const v = this.varint();
    if (v.hi !== 0 || v.lo > 0xffffffff) throw malformed(`tag at byte ${offset} is larger than 32 bits`);
    const field = Math.floor(v.lo / 8);
    const wireType = v.lo & 7;
    if (field === 0 || field > MAX_FIELD_NUMBER)
      throw malformed(`invalid field number ${field} at byte ${offset}`);
    if (wireType > 5) throw malformed(`invalid wire type ${wireType} for field ${field} at byte ${offset}`);
    return { field, wireType: wireType as WireType, offset };
  }

  varint(): Varint64 {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    // Bytes 0-3 fill bits 0-27, byte 4 straddles the halves, bytes 5-9 fill the high half.
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed(`truncated varint at byte ${this.offset(start)}`);
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo += bits * 2 ** (7 * i);
      else if (i === 4) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else hi += bits * 2 ** (7 * i - 32);
      if (b < 0x80) return { lo: lo >>> 0, hi: (hi % 2 ** 32) >>> 0 };
    }
    throw malformed(`varint longer than 10 bytes at byte ${this.offset(start)}`);
  }

  /** A length-delimited value: returns its [start, end) range and moves past it. */
  lengthDelimited(): { start: number; end: number } {
    const at = this.offset();
    const len = this.varint();
    const remaining = this.end - this.pos;
    if (len.hi !== 0 || len.lo > remaining)
      throw malformed(
        `length-delimited value at byte ${at} declares ${len.hi === 0 ? len.lo : 'more than 2^32'} bytes but only ${remaining} remain`,
      );
    const start = this.pos;
    this.pos += len.lo;
    return { start, end: this.pos };
  }

  skip(t: Tag): void {
    switch (t.wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.need(8, '64-bit value');
        this.pos += 8;
        return;
      case WireType.LengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.Fixed32:
        this.need(4, '32-bit value');
        this.pos += 4;
        return;
      default:
        // Groups were deprecated before Kubernetes existed; its types never use them.
        throw malformed(
          `field ${t.field} at byte ${t.offset} uses the ${wireTypeName(t.wireType)} wire type`,
        );
    }
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw malformed(`truncated ${what} at byte ${this.offset()}`);
  }
}

/** The low 32 bits as a signed int32, as Go's generated decoders read an int32 field. */
export function toInt32(v: Varint64): number {
  return v.lo | 0;
}

/** All 64 bits as a signed int64; refuses values a JSON number cannot hold exactly. */
export function toInt64(v: Varint64, what: () => string): number {
  const negative = v.hi >= 0x80000000;
  const n = negative ? -((0xffffffff - v.hi) * 2 ** 32 + (0xffffffff - v.lo) + 1) : v.hi * 2 ** 32 + v.lo;
  if (!Number.isSafeInteger(n))
    throw malformed(
      `${what()} holds ${describeInt64(v)}, beyond the ±2^53 range this server represents exactly`,
    );
  return n;
}

export function isNonZero(v: Varint64): boolean {
  return v.lo !== 0 || v.hi !== 0;
}

function describeInt64(v: Varint64): string {
  return BigInt.asIntN(64, (BigInt(v.hi) << 32n) | BigInt(v.lo)).toString();
}
