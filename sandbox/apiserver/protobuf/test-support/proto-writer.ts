// A minimal protobuf writer for tests: builds bodies byte by byte, including encodings that kube's own
// encoder never produces (packed repeats, split messages, negative varints), to exercise the decoder.
export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  /** A raw varint of up to 64 bits; negative numbers are written two's complement, 10 bytes long. */
  static varintBytes(value: number | bigint): Buffer {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    return Buffer.from(out);
  }

  tag(field: number, wireType: number): this {
    return this.raw(ProtoWriter.varintBytes(field * 8 + wireType));
  }

  varint(field: number, value: number | bigint): this {
    return this.tag(field, 0).raw(ProtoWriter.varintBytes(value));
  }

  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2).raw(ProtoWriter.varintBytes(value.length)).raw(value);
  }

  message(field: number, build: (w: ProtoWriter) => unknown): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  double(field: number, value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return this.tag(field, 1).raw(b);
  }

  /** Repeated varints packed into one length-delimited field. */
  packed(field: number, values: (number | bigint)[]): this {
    return this.bytes(field, Buffer.concat(values.map((v) => ProtoWriter.varintBytes(v))));
  }

  /** A map entry {key = 1, value = 2}, with either part left out when undefined. */
  entry(field: number, key: string | undefined, value: ((w: ProtoWriter) => unknown) | undefined): this {
    return this.message(field, (e) => {
      if (key !== undefined) e.string(1, key);
      if (value !== undefined) value(e);
    });
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** The "k8s\0" prefix and a runtime.Unknown envelope around an object's protobuf encoding. */
export function envelope(
  apiVersion: string,
  kind: string,
  raw: Buffer | ((w: ProtoWriter) => unknown),
  options: { contentEncoding?: string; contentType?: string } = {},
): Buffer {
  const w = new ProtoWriter()
    .raw(Buffer.from('k8s\0', 'latin1'))
    .message(1, (t) => t.string(1, apiVersion).string(2, kind))
    .bytes(2, Buffer.isBuffer(raw) ? raw : build(raw));
  if (options.contentEncoding !== undefined) w.string(3, options.contentEncoding);
  if (options.contentType !== undefined) w.string(4, options.contentType);
  return w.finish();
}

export function build(fn: (w: ProtoWriter) => unknown): Buffer {
  const w = new ProtoWriter();
  fn(w);
  return w.finish();
}
