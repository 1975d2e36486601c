/**
 * Snapshots: the state machine and the client session table at an applied index, serialised once
 * to msgpack bytes so it can be stored, and sent in chunks (InstallSnapshot, paper Figure 13).
 * Binary, not JSON: one encoding pass with no string escaping, and the bytes go to the disk and the
 * wire as they are (docs/performance.md: a JSON snapshot of 10,000 keys stalled every server for
 * 100+ ms). A snapshot stored as JSON by an older build is still read (decodePayload).
 */
import { Packr } from 'msgpackr';
import { assert, type Storage } from '../env.ts';
import type { Membership } from './membership.ts';
import type { SessionRecord } from './sessions.ts';

export interface StoredSnapshot {
  readonly index: number;
  readonly term: number;
  /** Membership in force at `index`. */
  readonly membership: Membership;
  /** msgpack of SnapshotPayload. */
  readonly data: Uint8Array;
}

export interface SnapshotPayload {
  readonly sm: unknown;
  readonly sessions: readonly SessionRecord[];
}

const SNAP_KEY = 'snap';

/**
 * Plain msgpack: no shared record structures (every snapshot stands alone and any msgpack reader
 * decodes it), no extension types beyond msgpack's own (bytes in, the same values out).
 */
const packr = new Packr({ useRecords: false, moreTypes: false });

export function loadSnapshot(storage: Storage): StoredSnapshot | undefined {
  const s = storage.load<Omit<StoredSnapshot, 'data'> & { data: Uint8Array | string }>(SNAP_KEY);
  if (s === undefined) return undefined;
  assert((typeof s.data === 'string' || s.data instanceof Uint8Array) && s.index >= 1 && s.term >= 1, 'stored snapshot well-formed');
  if (typeof s.data !== 'string') return s as StoredSnapshot;
  // Stored as JSON by an older build: held (and sent) as msgpack from now on.
  const p = parseJsonPayload(s.data);
  assert(p !== undefined, 'snapshot payload well-formed');
  return { ...s, data: encodePayload(p) };
}

/** Records the snapshot among the storage's values; durable at the next sync (a snapshot counts only once durable). */
export function stageSnapshot(storage: Storage, s: StoredSnapshot): void {
  storage.save(SNAP_KEY, s);
}

/** Saves and syncs: a snapshot must be durable before the log behind it is dropped. */
export function saveSnapshot(storage: Storage, s: StoredSnapshot): void {
  stageSnapshot(storage, s);
  storage.sync();
}

export function encodePayload(p: SnapshotPayload): Uint8Array {
  // Copied out of the encoder's working buffer (pack returns a view of it): the snapshot is kept for
  // a while and copied by storages, which would otherwise hold or copy the whole working buffer.
  return new Uint8Array(packr.pack(p));
}

/** Decodes a payload this node wrote itself (its own stored snapshot): malformed is a broken invariant. */
export function decodePayload(data: Uint8Array): SnapshotPayload {
  const p = parsePayload(data);
  assert(p !== undefined, 'snapshot payload well-formed');
  return p;
}

/** Decodes a payload that came from a peer: undefined when it is not msgpack of the payload's shape. */
export function parsePayload(data: Uint8Array): SnapshotPayload | undefined {
  let p: unknown;
  try {
    p = packr.unpack(data);
  } catch {
    return undefined;
  }
  return shaped(p);
}

/** A snapshot an older build stored as JSON. */
function parseJsonPayload(data: string): SnapshotPayload | undefined {
  let p: unknown;
  try {
    p = JSON.parse(data);
  } catch {
    return undefined;
  }
  return shaped(p);
}

function shaped(p: unknown): SnapshotPayload | undefined {
  if (p === null || typeof p !== 'object' || !Array.isArray((p as SnapshotPayload).sessions) || !('sm' in p)) return undefined;
  return p as SnapshotPayload;
}

/**
 * Reassembles one incoming snapshot from in-order chunks. Chunks arrive on the reliable channel, so
 * an out-of-order offset means a restarted transfer: we ask for offset 0 again.
 */
export class SnapshotReceiver {
  private index = 0;
  private term = 0;
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Returns the next offset wanted (-1: restart from 0), or the whole data when done. */
  accept(index: number, term: number, offset: number, data: Uint8Array, done: boolean): { next: number } | { data: Uint8Array } {
    if (offset === 0) {
      this.index = index;
      this.term = term;
      this.chunks = [];
      this.size = 0;
    } else if (index !== this.index || term !== this.term || offset !== this.size) {
      return { next: -1 };
    }
    if (this.size + data.length > this.maxBytes) {
      // Input from a peer: a transfer past the bound is dropped (memory stays bounded), not asserted.
      this.chunks = [];
      this.size = 0;
      this.index = 0;
      return { next: -1 };
    }
    this.chunks.push(data);
    this.size += data.length;
    if (!done) return { next: this.size };
    const whole = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      whole.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.size = 0;
    this.index = 0;
    return { data: whole };
  }
}
