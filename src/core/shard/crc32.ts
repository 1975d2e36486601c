/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of a string's UTF-8 bytes: the ring
 * hash the seed used (Go's hash/crc32 ChecksumIEEE). Cores may not import node:zlib, so this
 * is a small table-driven version; it matches zlib's crc32 (a test checks known vectors).
 */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function step(crc: number, byte: number): number {
  return TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
}

/** CRC-32 of the UTF-8 encoding of `s`, as an unsigned 32-bit integer. */
export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    // Combine a surrogate pair into one code point (lone surrogates encode as U+FFFD, as TextEncoder does).
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else cp = 0xfffd;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) crc = step(crc, cp);
    else if (cp < 0x800) {
      crc = step(crc, 0xc0 | (cp >> 6));
      crc = step(crc, 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      crc = step(crc, 0xe0 | (cp >> 12));
      crc = step(crc, 0x80 | ((cp >> 6) & 0x3f));
      crc = step(crc, 0x80 | (cp & 0x3f));
    } else {
      crc = step(crc, 0xf0 | (cp >> 18));
      crc = step(crc, 0x80 | ((cp >> 12) & 0x3f));
      crc = step(crc, 0x80 | ((cp >> 6) & 0x3f));
      crc = step(crc, 0x80 | (cp & 0x3f));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * MurmurHash3's 32-bit finalizer (fmix32): a bijection on 32-bit integers with full
 * avalanche. CRC-32 is linear, so names that differ in a few trailing characters
 * ("group-1#17", "group-1#18") land on correlated ring positions; mixing the CRC spreads
 * them without giving up crc32 as the hash (bench/shard-ring.ts shows the difference).
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
