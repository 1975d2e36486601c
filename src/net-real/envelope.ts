/**
 * What travels on the wire, on both channels: [version, from, service, message, to?], msgpack.
 * The service name routes the message to the right core on the receiving host, as the
 * simulator routes by (node, service). `to` names the node it was sent to, so that under the
 * cluster key a message captured on its way to one node cannot be replayed to another.
 */
import type { Message, NodeId } from '../core/env.ts';
import { decode, encode } from './codec.ts';

const WIRE_VERSION = 1;

export interface Envelope {
  readonly from: NodeId;
  readonly service: string;
  readonly msg: Message;
  readonly to?: NodeId;
}

export function encodeEnvelope(e: Envelope): Buffer {
  return encode(e.to === undefined ? [WIRE_VERSION, e.from, e.service, e.msg] : [WIRE_VERSION, e.from, e.service, e.msg, e.to]);
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
  return typeof to === 'string' ? { from, service, msg: msg as Message, to } : { from, service, msg: msg as Message };
}
