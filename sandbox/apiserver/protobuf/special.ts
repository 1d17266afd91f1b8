// apimachinery types whose protobuf message differs from their JSON form: timestamps become RFC 3339
// strings, Quantity its string, IntOrString a number or a string, FieldsV1 the JSON it carries.
import { type DecodeContext, decodeMessage, type Range, where } from './message.ts';
import { definePackage, type SpecialType } from './schema/dsl.ts';
import { malformed } from './wire.ts';

// Pointers mark where presence matters: a Quantity whose string is present but empty is an error.
const [TIMESTAMP, QUANTITY, INT_OR_STRING, FIELDS_V1] = [
  ...definePackage('meta/v1', {
    Timestamp: `
      1 seconds?  int64
      2 nanos?    int32
    `,
  }),
  ...definePackage('api/resource', {
    Quantity: `
      1 string?   *string
    `,
  }),
  ...definePackage('util/intstr', {
    IntOrString: `
      1 type?     int64
      2 intVal?   int32
      3 strVal?   string
    `,
  }),
  ...definePackage('meta/v1', {
    FieldsV1: `
      1 Raw?      *bytes
    `,
  }),
];

/** Seconds of Go's zero time.Time (0001-01-01T00:00:00Z), which JSON writes as null. */
const GO_ZERO_TIME_SECONDS = -62135596800;
/** RFC 3339 has four-digit years: 0000-01-01T00:00:00Z through 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62167219200;
const MAX_SECONDS = 253402300799;

export function zeroSpecial(type: SpecialType): unknown {
  switch (type) {
    case 'Quantity':
      return '0';
    case 'IntOrString':
      return 0;
    default:
      return null;
  }
}

export function decodeSpecial(
  type: SpecialType,
  buf: Buffer,
  range: Range,
  at: string,
  ctx: DecodeContext,
): unknown {
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      // Go encodes the zero time as an empty message.
      if (range.end === range.start) return null;
      const ts = decodeMessage(TIMESTAMP!, buf, range, at, ctx) as { seconds?: number; nanos?: number };
      return formatTime(ts.seconds ?? 0, ts.nanos ?? 0, type === 'MicroTime', at);
    }
    case 'Quantity': {
      const q = decodeMessage(QUANTITY!, buf, range, at, ctx) as { string?: string };
      if (q.string === undefined) return '0';
      if (q.string === '') throw malformed(`the quantity${where(at)} is an empty string`);
      return q.string;
    }
    case 'IntOrString': {
      const v = decodeMessage(INT_OR_STRING!, buf, range, at, ctx) as {
        type?: number;
        intVal?: number;
        strVal?: string;
      };
      const kind = v.type ?? 0;
      if (kind === 0) return v.intVal ?? 0;
      if (kind === 1) return v.strVal ?? '';
      throw malformed(`the IntOrString${where(at)} has type ${kind}; only 0 (int) and 1 (string) exist`);
    }
    case 'FieldsV1': {
      const f = decodeMessage(FIELDS_V1!, buf, range, at, ctx) as { Raw?: string };
      if (f.Raw === undefined) return null;
      return parseFieldsV1(Buffer.from(f.Raw, 'base64'), at);
    }
  }
}

function parseFieldsV1(raw: Buffer, at: string): unknown {
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    // Since 1.32 FieldsV1 may also hold CBOR, which the sandbox does not speak.
    throw malformed(`the managed fields${where(at)} are not JSON`);
  }
}

/**
 * metav1.Time keeps whole seconds; MicroTime keeps microseconds, truncating nanoseconds toward zero
 * before time.Unix normalises them. Both render in UTC, as kube's MarshalJSON does.
 */
function formatTime(seconds: number, nanos: number, micro: boolean, at: string): string | null {
  let s = seconds;
  let n = micro ? Math.trunc(nanos / 1000) * 1000 : 0;
  if (n < 0 || n >= 1e9) {
    const carry = Math.floor(n / 1e9);
    s += carry;
    n -= carry * 1e9;
  }
  if (s === GO_ZERO_TIME_SECONDS && n === 0) return null;
  if (s < MIN_SECONDS || s > MAX_SECONDS)
    throw malformed(`the timestamp${where(at)} (${seconds} seconds) is outside the years 0000-9999`);
  const base = new Date(s * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(n / 1000).padStart(6, '0')}Z` : `${base}Z`;
}
