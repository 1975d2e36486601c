/**
 * Snapshots: the state machine and the client session table at an applied index, serialised once
 * to a string so it can be stored, and sent in chunks (InstallSnapshot, paper Figure 13).
 */
import { assert, type Storage } from '../env.ts';
import type { Membership } from './membership.ts';
import type { SessionRecord } from './sessions.ts';

export interface StoredSnapshot {
  readonly index: number;
  readonly term: number;
  /** Membership in force at `index`. */
  readonly membership: Membership;
  /** JSON of SnapshotPayload. */
  readonly data: string;
}

export interface SnapshotPayload {
  readonly sm: unknown;
  readonly sessions: readonly SessionRecord[];
}

const SNAP_KEY = 'snap';

export function loadSnapshot(storage: Storage): StoredSnapshot | undefined {
  const s = storage.load<StoredSnapshot>(SNAP_KEY);
  if (s !== undefined) assert(typeof s.data === 'string' && s.index >= 1 && s.term >= 1, 'stored snapshot well-formed');
  return s;
}

/** Saves and syncs: a snapshot must be durable before the log behind it is dropped. */
export function saveSnapshot(storage: Storage, s: StoredSnapshot): void {
  storage.save(SNAP_KEY, s);
  storage.sync();
}

export function encodePayload(p: SnapshotPayload): string {
  return JSON.stringify(p);
}

/** Decodes a payload this node wrote itself (its own stored snapshot): malformed is a broken invariant. */
export function decodePayload(data: string): SnapshotPayload {
  const p = parsePayload(data);
  assert(p !== undefined, 'snapshot payload well-formed');
  return p;
}

/** Decodes a payload that came from a peer: undefined when it is not JSON of the payload's shape. */
export function parsePayload(data: string): SnapshotPayload | undefined {
  let p: unknown;
  try {
    p = JSON.parse(data);
  } catch {
    return undefined;
  }
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
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly maxChars: number) {}

  /** Returns the next offset wanted (-1: restart from 0), or the whole data when done. */
  accept(index: number, term: number, offset: number, data: string, done: boolean): { next: number } | { data: string } {
    if (offset === 0) {
      this.index = index;
      this.term = term;
      this.chunks = [];
      this.size = 0;
    } else if (index !== this.index || term !== this.term || offset !== this.size) {
      return { next: -1 };
    }
    this.chunks.push(data);
    this.size += data.length;
    assert(this.size <= this.maxChars, () => `snapshot larger than ${this.maxChars} chars`);
    if (!done) return { next: this.size };
    const whole = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    this.index = 0;
    return { data: whole };
  }
}
