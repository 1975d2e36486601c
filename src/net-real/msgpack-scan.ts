/**
 * A bounded msgpack scanner for one purpose: where each entry of a received AppendEntries lies in
 * its envelope's bytes (record-cache.ts frames the followers' log records from them). It reads
 * headers and skips values without building them; anything malformed throws.
 */

/** Byte ranges of the items of the envelope's message's (last) `entries` array, or undefined when it has none. */
export function entryRanges(b: Uint8Array): [number, number][] | undefined {
  const r = new Reader(b);
  const n = r.arrayHeader();
  if (n !== 4 && n !== 5) return undefined;
  for (let k = 0; k < 3; k++) r.skip(0);
  const keys = r.mapHeader();
  let out: [number, number][] | undefined;
  for (let k = 0; k < keys; k++) {
    // Our encoder writes every key of a message as a fixstr; a key spelled any other way could be a
    // second "entries" the decoder keeps while this scan skips it: no ranges then (nothing seeded).
    if (!r.atFixstr()) return undefined;
    const isEntries = r.isEntriesKey();
    if (!isEntries) {
      r.skip(0);
      r.skip(0);
      continue;
    }
    const c = r.arrayHeader();
    out = [];
    for (let i = 0; i < c; i++) {
      const from = r.pos;
      r.skip(0);
      out.push([from, r.pos]);
    }
  }
  if (n === 5) r.skip(0);
  return r.pos === b.length ? out : undefined;
}

/** msgpack's "entries" as a fixstr. */
const ENTRIES_KEY = Buffer.from([0xa7, ...Buffer.from('entries', 'latin1')]);
/** Nesting a scan follows at most (a bound on recursion for untrusted bytes). */
const MAX_DEPTH = 64;

/** A bounded msgpack scanner: headers and skips, no values built. Throws on anything malformed. */
class Reader {
  pos = 0;
  private readonly v: DataView;
  constructor(private readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new RangeError('truncated');
  }

  private byte(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }

  private uint(bytes: 1 | 2 | 4): number {
    this.need(bytes);
    const at = this.pos;
    this.pos += bytes;
    return bytes === 1 ? this.v.getUint8(at) : bytes === 2 ? this.v.getUint16(at) : this.v.getUint32(at);
  }

  private advance(n: number): void {
    this.need(n);
    this.pos += n;
  }

  arrayHeader(): number {
    const t = this.byte();
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
    if (t === 0xdc) return this.uint(2);
    if (t === 0xdd) return this.uint(4);
    throw new TypeError('not an array');
  }

  mapHeader(): number {
    const t = this.byte();
    if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
    if (t === 0xde) return this.uint(2);
    if (t === 0xdf) return this.uint(4);
    throw new TypeError('not a map');
  }

  /** The next item is a fixstr (nothing consumed). */
  atFixstr(): boolean {
    const t = this.b[this.pos];
    return t !== undefined && t >= 0xa0 && t <= 0xbf;
  }

  /** Consumes the key when it is "entries" (as a fixstr); otherwise leaves it for skip(). */
  isEntriesKey(): boolean {
    if (this.pos + ENTRIES_KEY.length > this.b.length) return false;
    for (let i = 0; i < ENTRIES_KEY.length; i++) if (this.b[this.pos + i] !== ENTRIES_KEY[i]) return false;
    this.pos += ENTRIES_KEY.length;
    return true;
  }

  skip(depth: number): void {
    if (depth > MAX_DEPTH) throw new RangeError('too deep');
    const t = this.byte();
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return;
    if (t >= 0x80 && t <= 0x8f) return this.skipItems((t & 0x0f) * 2, depth);
    if (t >= 0x90 && t <= 0x9f) return this.skipItems(t & 0x0f, depth);
    if (t >= 0xa0 && t <= 0xbf) return this.advance(t & 0x1f);
    switch (t) {
      case 0xc4:
      case 0xd9:
        return this.advance(this.uint(1));
      case 0xc5:
      case 0xda:
        return this.advance(this.uint(2));
      case 0xc6:
      case 0xdb:
        return this.advance(this.uint(4));
      case 0xc7:
        return this.advance(this.uint(1) + 1);
      case 0xc8:
        return this.advance(this.uint(2) + 1);
      case 0xc9:
        return this.advance(this.uint(4) + 1);
      case 0xca:
        return this.advance(4);
      case 0xcb:
        return this.advance(8);
      case 0xcc:
      case 0xd0:
        return this.advance(1);
      case 0xcd:
      case 0xd1:
        return this.advance(2);
      case 0xce:
      case 0xd2:
        return this.advance(4);
      case 0xcf:
      case 0xd3:
        return this.advance(8);
      case 0xd4:
        return this.advance(2);
      case 0xd5:
        return this.advance(3);
      case 0xd6:
        return this.advance(5);
      case 0xd7:
        return this.advance(9);
      case 0xd8:
        return this.advance(17);
      case 0xdc:
        return this.skipItems(this.uint(2), depth);
      case 0xdd:
        return this.skipItems(this.uint(4), depth);
      case 0xde:
        return this.skipItems(this.uint(2) * 2, depth);
      case 0xdf:
        return this.skipItems(this.uint(4) * 2, depth);
      default:
        throw new TypeError(`bad msgpack type 0x${t.toString(16)}`);
    }
  }

  private skipItems(n: number, depth: number): void {
    // Every item takes at least a byte: a count beyond the bytes left is malformed (bounds the loop).
    if (n > this.b.length - this.pos) throw new RangeError('count beyond the bytes');
    for (let i = 0; i < n; i++) this.skip(depth + 1);
  }
}
