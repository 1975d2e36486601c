/**
 * On-disk framing shared by the log segments and the state files: every record is
 *   [u32 LE payload length][u32 LE CRC-32 of (length bytes ‖ payload)][payload]
 * The checksum covers the length too, so a torn or flipped length field is caught as
 * surely as a torn payload. A record that fails any check is never decoded or replayed.
 *
 * CRC-32 (IEEE) comes from node:zlib (native since Node 20.15); the brief allows CRC32 or
 * CRC32C, and a native routine beats a hand-written CRC32C table by a wide margin.
 */
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 8;

/**
 * Largest payload we write or accept. A bound on every read: a corrupt length field must not
 * make recovery allocate gigabytes. 64 MiB is far above a Raft entry (etcd caps client
 * requests at 1.5 MiB by default, --max-request-bytes) and above our state values.
 */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Frames one payload. */
export function frameRecord(payload: Uint8Array): Buffer {
  if (payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`record of ${payload.length} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
  }
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.set(payload, RECORD_HEADER_BYTES);
  out.writeUInt32LE(checksum(out, payload.length), 4);
  return out;
}

function checksum(framed: Buffer, payloadLength: number): number {
  // crc over the 4 length bytes, continued over the payload.
  const c = crc32(framed.subarray(0, 4));
  return crc32(framed.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + payloadLength), c);
}

export type ReadResult =
  | { readonly ok: true; readonly payload: Buffer; readonly next: number }
  | { readonly ok: false; readonly reason: 'short-header' | 'short-payload' | 'bad-length' | 'bad-checksum' };

/** Reads the record at `offset` of `buf` (offset < buf.length). */
export function readRecord(buf: Buffer, offset: number): ReadResult {
  if (buf.length - offset < RECORD_HEADER_BYTES) return { ok: false, reason: 'short-header' };
  const len = buf.readUInt32LE(offset);
  if (len > MAX_RECORD_BYTES) return { ok: false, reason: 'bad-length' };
  const end = offset + RECORD_HEADER_BYTES + len;
  if (end > buf.length) return { ok: false, reason: 'short-payload' };
  const framed = buf.subarray(offset, end);
  if (checksum(framed, len) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'bad-checksum' };
  return { ok: true, payload: framed.subarray(RECORD_HEADER_BYTES), next: end };
}
