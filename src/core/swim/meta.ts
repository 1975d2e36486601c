/**
 * Node metadata: a small string map (role, DC, ports, tags), bounded in size because it
 * rides in alive updates that share a 1,400-byte datagram with everything else.
 */
export type Meta = Readonly<Record<string, string>>;

export const EMPTY_META: Meta = Object.freeze({});

/** Encoded size bound (msgpack): a 3-byte map header, each key and value with a 2-byte string header. */
export function metaSizeBytes(meta: Meta): number {
  let size = 3;
  for (const k in meta) size += k.length + meta[k]!.length + 4;
  return size;
}

export function metaEqual(a: Meta, b: Meta): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** Throws (a caller error, not an invariant) when meta is not a flat string map within budget. */
export function checkMeta(meta: Meta, maxBytes: number): void {
  for (const k in meta) {
    if (typeof meta[k] !== 'string') throw new Error(`swim meta: value of ${k} must be a string`);
  }
  const size = metaSizeBytes(meta);
  if (size > maxBytes) throw new Error(`swim meta: ${size} bytes exceeds the ${maxBytes}-byte limit`);
}
