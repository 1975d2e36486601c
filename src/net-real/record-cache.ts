/**
 * Each Raft entry is msgpack-encoded once: FileStorage.append frames it as a log record (which it
 * must do anyway) and keeps the framed bytes beside the entry object here; every AppendEntries that
 * carries the entry to a follower (envelope.ts) reuses the payload of that record instead of
 * encoding the entry again, once per follower. The profile of a leader under 64 clients showed each
 * entry encoded three times (docs/performance.md).
 *
 * Safe because entries are immutable (src/core/raft/entry.ts: every field readonly; the core makes a
 * new entry rather than change one). The bytes hang on the entry itself, under a symbol, not
 * enumerable: msgpack, JSON, structuredClone and test equality do not see it, and it goes when the
 * entry does. Not a WeakMap: with the tens of thousands of entries a log holds, V8's handling of a
 * WeakMap's entries in every collection cost ~0.9 µs an entry (a synthetic log of 65,000 entries:
 * 900 ms of CPU for 400,000 entries against 650 with the property). Invisible to the cores and the
 * simulator: bytes only.
 */
import { encode } from './codec.ts';
import { entryRanges } from './msgpack-scan.ts';
import { frameRecord, RECORD_HEADER_BYTES } from './record-format.ts';

const RECORD = Symbol('hanode.logRecord');

function cached(value: object): Buffer | undefined {
  return (value as { [RECORD]?: Buffer })[RECORD];
}

function keep(value: object, record: Buffer): void {
  // An object that cannot take the property (frozen) is simply encoded each time.
  if (Object.isExtensible(value)) Object.defineProperty(value, RECORD, { value: record });
}

/** The log record of `value` (record-format.ts framing of its msgpack encoding), encoded at most once per object. */
export function framedRecordOf(value: unknown): Buffer {
  if (typeof value !== 'object' || value === null) return frameRecord(encode(value));
  let b = cached(value);
  if (b === undefined) {
    b = frameRecord(encode(value));
    keep(value, b);
  }
  return b;
}

/** The msgpack encoding of `value`: the payload of its cached log record when there is one, else a fresh encoding. */
export function encodedOf(value: unknown): Buffer {
  if (typeof value === 'object' && value !== null) {
    const b = cached(value);
    if (b !== undefined) return b.subarray(RECORD_HEADER_BYTES);
  }
  return encode(value);
}

/**
 * A follower's side of the same: the entries of a received AppendEntries arrive msgpack-encoded
 * inside the envelope, in exactly the bytes this codec gives them (the leader encoded them so), so
 * their log records are framed from those bytes instead of encoding the decoded entries again.
 * `bytes` is the envelope that decoded to a message whose `entries` are `entries`. Anything
 * unexpected (a shape the scan does not follow, a count that differs) seeds nothing: the records
 * are then encoded as usual. A test compares the seeded records with fresh encodings.
 */
export function seedFromEnvelope(bytes: Uint8Array, entries: readonly unknown[]): void {
  let ranges: [number, number][] | undefined;
  try {
    ranges = entryRanges(bytes);
  } catch {
    return; // not a shape this scan follows
  }
  if (ranges === undefined || ranges.length !== entries.length) return;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    if (typeof e !== 'object' || e === null || cached(e) !== undefined) continue;
    const [from, to] = ranges[k]!;
    keep(e, frameRecord(bytes.subarray(from, to)));
  }
}
