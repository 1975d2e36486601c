/**
 * Jute, ZooKeeper's record encoding (org.apache.jute.BinaryInputArchive / BinaryOutputArchive):
 * big-endian int (4 bytes), long (8), boolean (1 byte), buffer and ustring as an int length
 * followed by the bytes (length -1 = null), vector as an int count followed by the elements
 * (-1 = null). Every frame on the wire is an int length followed by that many bytes.
 *
 * The reader trusts nothing: every length is checked against the bytes left before anything
 * is read or allocated, so a hostile frame ends in a JuteError, never in an out-of-bounds
 * read or a huge allocation.
 */

/** Largest frame accepted: ZooKeeper's jute.maxbuffer (0xfffff) plus the 1024 bytes of
 * jute.maxbuffer.extrasize a 3.6+ server allows on top for the request's other fields. */
export const MAX_FRAME_BYTES = 0xfffff + 1024;

export class JuteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JuteError';
  }
}

export class JuteReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || n > this.remaining()) throw new JuteError(`${what}: needs ${n} bytes, ${this.remaining()} left`);
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'boolean');
    return this.buf[this.pos++] !== 0;
  }

  /** A buffer; null for length -1. */
  buffer(): Buffer | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < -1) throw new JuteError(`buffer: negative length ${n}`);
    this.need(n, 'buffer');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** A UTF-8 string; null for length -1. */
  ustring(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }

  /** A string that must be present. */
  path(): string {
    const s = this.ustring();
    if (s === null) throw new JuteError('null string');
    return s;
  }

  /** A vector; null for count -1. `minElementBytes` bounds the count by the bytes left. */
  vector<T>(read: () => T, minElementBytes: number): T[] | null {
    const n = this.int();
    if (n === -1) return null;
    if (n < -1) throw new JuteError(`vector: negative count ${n}`);
    this.need(n * minElementBytes, 'vector');
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read());
    return out;
  }

  strings(): string[] {
    return (this.vector(() => this.path(), 4) ?? []);
  }
}

export class JuteWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  /** Bytes as they are (a record already encoded). */
  raw(b: Buffer): this {
    return this.push(b);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  int(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v | 0);
    return this.push(b);
  }

  long(v: bigint | number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)));
    return this.push(b);
  }

  bool(v: boolean): this {
    return this.push(Buffer.from([v ? 1 : 0]));
  }

  buffer(v: Buffer | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    return this.push(v);
  }

  ustring(v: string | null): this {
    return this.buffer(v === null ? null : Buffer.from(v, 'utf8'));
  }

  strings(v: readonly string[]): this {
    this.int(v.length);
    for (const s of v) this.ustring(s);
    return this;
  }

  /** The record as one length-prefixed frame. */
  frame(): Buffer {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(this.size);
    return Buffer.concat([len, ...this.parts], this.size + 4);
  }
}

/**
 * Splits a TCP byte stream into frames. A length below 0 or above the limit is a protocol
 * error (ZooKeeper's server closes the connection on "Len error"); the caller closes too.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** The complete frames (without their length) in what arrived so far. Throws JuteError on a bad length. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    let off = 0;
    while (this.pending.length - off >= 4) {
      const len = this.pending.readInt32BE(off);
      if (len < 0 || len > this.maxFrameBytes) throw new JuteError(`frame length ${len} outside [0, ${this.maxFrameBytes}]`);
      if (this.pending.length - off - 4 < len) break;
      out.push(this.pending.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
    this.pending = off === 0 ? this.pending : Buffer.from(this.pending.subarray(off));
    return out;
  }

  /** Bytes held for an incomplete frame. */
  buffered(): number {
    return this.pending.length;
  }
}
