// Where a message body ends, read incrementally from whatever chunks the socket delivers. The body's
// bytes pass through unchanged (chunk sizes, extensions and trailers included); the framer only
// counts them, so the proxy knows when an exchange is over and the connection can carry the next.

export type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export class FramingError extends Error {
  override name = 'FramingError';
}

const MAX_LINE = 4096;

// States of the chunked parser (numbers, so the hot loop compares small integers).
const State = {
  Size: 0,
  SizeExtension: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  TrailerStart: 6,
  TrailerLine: 7,
  TrailerLf: 8,
  FinalLf: 9,
  Done: 10,
} as const;
type State = (typeof State)[keyof typeof State];

export class BodyFramer {
  private remaining: number;
  private state: State;
  private readonly chunked: boolean;
  private readonly untilClose: boolean;
  private size = 0;
  private sizeDigits = 0;
  private lineBytes = 0;

  constructor(framing: BodyFraming) {
    this.chunked = framing.kind === 'chunked';
    this.untilClose = framing.kind === 'close';
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.state = framing.kind === 'length' && framing.length === 0 ? State.Done : State.Size;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * How many bytes of `buf` from `offset` belong to the body; once `done`, the rest is the next
   * message. Throws FramingError on a malformed chunked body.
   */
  consume(buf: Buffer, offset = 0): number {
    const available = buf.length - offset;
    if (this.state === State.Done) return 0;
    if (this.untilClose) return available;
    if (!this.chunked) {
      const n = Math.min(available, this.remaining);
      this.remaining -= n;
      if (this.remaining === 0) this.state = State.Done;
      return n;
    }
    let i = offset;
    const end = buf.length;
    while (i < end && this.state !== State.Done) {
      if (this.state === State.Data) {
        const n = Math.min(end - i, this.remaining);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = State.DataCr;
        continue;
      }
      const c = buf[i++]!;
      switch (this.state) {
        case State.Size: {
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.sizeDigits > 13) throw new FramingError('chunk size too large');
            this.size = this.size * 16 + digit;
          } else if (this.sizeDigits === 0) throw new FramingError('chunk size expected');
          else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) this.state = State.SizeExtension;
          else if (c === 0x0d) this.state = State.SizeLf;
          else throw new FramingError('invalid character in chunk size');
          break;
        }
        case State.SizeExtension:
          if (c === 0x0d) this.state = State.SizeLf;
          else if (c === 0x0a || c === 0) throw new FramingError('invalid chunk extension');
          else if (++this.lineBytes > MAX_LINE) throw new FramingError('chunk extension too long');
          break;
        case State.SizeLf:
          if (c !== 0x0a) throw new FramingError('CRLF expected after the chunk size');
          this.lineBytes = 0;
          this.sizeDigits = 0;
          if (this.size === 0) this.state = State.TrailerStart;
          else {
            this.remaining = this.size;
            this.state = State.Data;
          }
          this.size = 0;
          break;
        case State.DataCr:
          if (c !== 0x0d) throw new FramingError('CRLF expected after chunk data');
          this.state = State.DataLf;
          break;
        case State.DataLf:
          if (c !== 0x0a) throw new FramingError('CRLF expected after chunk data');
          this.state = State.Size;
          break;
        case State.TrailerStart:
          if (c === 0x0d) this.state = State.FinalLf;
          else if (c === 0x0a || c === 0) throw new FramingError('invalid trailer');
          else {
            this.lineBytes = 1;
            this.state = State.TrailerLine;
          }
          break;
        case State.TrailerLine:
          if (c === 0x0d) this.state = State.TrailerLf;
          else if (c === 0x0a || c === 0) throw new FramingError('invalid trailer');
          else if (++this.lineBytes > MAX_LINE) throw new FramingError('trailer too long');
          break;
        case State.TrailerLf:
          if (c !== 0x0a) throw new FramingError('CRLF expected after a trailer');
          this.state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (c !== 0x0a) throw new FramingError('CRLF expected at the end of the body');
          this.state = State.Done;
          break;
      }
    }
    return i - offset;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
