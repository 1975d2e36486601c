/**
 * What travels on the wire, on both channels: [version, from, service, message, to?], msgpack.
 * The service name routes the message to the right core on the receiving host, as the
 * simulator routes by (node, service). `to` names the node it was sent to, so that under the
 * cluster key a message captured on its way to one node cannot be replayed to another.
 */
import { assert, type Message, type NodeId } from '../core/env.ts';
import { decode, encode } from './codec.ts';
import { encodedOf, seedFromEnvelope } from './record-cache.ts';

const WIRE_VERSION = 1;

export interface Envelope {
  readonly from: NodeId;
  readonly service: string;
  readonly msg: Message;
  readonly to?: NodeId;
}

export function encodeEnvelope(e: Envelope): Buffer {
  const entries = (e.msg as { entries?: unknown }).entries;
  if (Array.isArray(entries) && entries.length > 0) return encodeWithEntries(e, entries);
  return encode(e.to === undefined ? [WIRE_VERSION, e.from, e.service, e.msg] : [WIRE_VERSION, e.from, e.service, e.msg, e.to]);
}

/**
 * The same bytes as encode() of the envelope, built from parts so that the entries of a message that
 * carries them (Raft's AppendEntries) are the encodings their log records already hold
 * (record-cache.ts) instead of being encoded again for every follower. msgpack values are
 * self-delimiting, so a container is its header followed by its items' encodings; the headers are
 * written as msgpackr writes them (a map: always map16 without variableMapSize; an array: the
 * smallest form). A test compares the bytes with encode()'s.
 */
function encodeWithEntries(e: Envelope, entries: readonly unknown[]): Buffer {
  const msg: Readonly<Record<string, unknown>> = { ...e.msg };
  const before: unknown[] = [];
  const after: unknown[] = [];
  let size = 0;
  let seen = false;
  for (const k in msg) {
    if (!Object.prototype.hasOwnProperty.call(msg, k)) continue;
    size++;
    if (k === 'entries') seen = true;
    else (seen ? after : before).push(k, msg[k]);
  }
  if (e.to !== undefined) after.push(e.to);
  const parts: Buffer[] = [
    Buffer.from([0x90 | (e.to === undefined ? 4 : 5)]),
    itemsOf(encode([WIRE_VERSION, e.from, e.service])),
    Buffer.from([0xde, size >> 8, size & 0xff]),
  ];
  if (before.length > 0) parts.push(itemsOf(encode(before)));
  parts.push(encode('entries'), arrayHeader(entries.length));
  for (const x of entries) parts.push(encodedOf(x));
  if (after.length > 0) parts.push(itemsOf(encode(after)));
  return Buffer.concat(parts);
}

/** The items of an encoded array: its header stripped. */
function itemsOf(b: Buffer): Buffer {
  const t = b[0]!;
  if (t >= 0x90 && t <= 0x9f) return b.subarray(1);
  if (t === 0xdc) return b.subarray(3);
  assert(t === 0xdd, 'an encoded array');
  return b.subarray(5);
}

/** msgpack's array header for n items, smallest form (as msgpackr writes it). */
function arrayHeader(n: number): Buffer {
  if (n < 0x10) return Buffer.from([0x90 | n]);
  if (n < 0x10000) return Buffer.from([0xdc, n >> 8, n & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

/** The envelope, or null for anything malformed (counted and dropped by the caller). */
export function decodeEnvelope(bytes: Uint8Array): Envelope | null {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || (v.length !== 4 && v.length !== 5) || v[0] !== WIRE_VERSION) return null;
  const [, from, service, msg, to] = v as [unknown, unknown, unknown, unknown, unknown];
  if (typeof from !== 'string' || typeof service !== 'string') return null;
  if (v.length === 5 && typeof to !== 'string') return null;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return null;
  // A follower appends the entries it receives: their log records are framed from these bytes (record-cache.ts).
  const entries = (msg as { entries?: unknown }).entries;
  if (Array.isArray(entries) && entries.length > 0) seedFromEnvelope(bytes, entries);
  return typeof to === 'string' ? { from, service, msg: msg as Message, to } : { from, service, msg: msg as Message };
}
