/**
 * Between the tree core's types and ZooKeeper's wire values: error codes
 * (KeeperException.Code), create modes (CreateMode flags), watch event types
 * (Watcher.Event.EventType), stats (org.apache.zookeeper.data.Stat) and session ids.
 */
import { ZK_ERROR_CODES, type CreateMode, type Stat, type WatchEventType, type ZkError } from '../../core/coord/tree/index.ts';
import type { JuteWriter } from './jute.ts';

/** KeeperException.Code values the gateway answers with beyond the tree core's own. */
export const WIRE_ERRORS = {
  ...ZK_ERROR_CODES,
  MarshallingError: -5,
  Unimplemented: -6,
  NoAuth: -102,
  AuthFailed: -115,
  InvalidACL: -114,
} as const;

export function errorCode(e: ZkError | 'Ok'): number {
  return WIRE_ERRORS[e];
}

/** CreateMode.fromFlag: 0..4; the TTL modes (5, 6) need extended types, off by default in ZooKeeper. */
export function createModeFromFlags(flags: number): CreateMode | 'ttl' | undefined {
  switch (flags) {
    case 0:
      return 'persistent';
    case 1:
      return 'ephemeral';
    case 2:
      return 'persistent_sequential';
    case 3:
      return 'ephemeral_sequential';
    case 4:
      return 'container';
    case 5:
    case 6:
      return 'ttl';
    default:
      return undefined;
  }
}

export const EVENT_TYPE: Record<WatchEventType, number> = {
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
};

/** Watcher.Event.KeeperState.SyncConnected: every notification on a live connection. */
export const STATE_SYNC_CONNECTED = 3;

/** The core's session id (`0x<hex>`) as ZooKeeper's int64. */
export function sessionToWire(id: string): bigint {
  return /^0x[0-9a-f]+$/.test(id) ? BigInt(id) : 0n;
}

/** ZooKeeper's int64 session id as the core's id; undefined for 0 (a new session). */
export function sessionFromWire(id: bigint): string | undefined {
  return id <= 0n ? undefined : `0x${id.toString(16)}`;
}

/** Tree data is a string holding one char per byte (latin1), so dataLength is the byte count. */
export function dataToTree(b: Buffer | null): string {
  return b === null ? '' : b.toString('latin1');
}

export function dataToWire(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Replicated times are µs; ZooKeeper's ctime / mtime are ms since the epoch. */
export function writeStat(w: JuteWriter, st: Stat): JuteWriter {
  return w
    .long(st.czxid)
    .long(st.mzxid)
    .long(Math.floor(st.ctime / 1000))
    .long(Math.floor(st.mtime / 1000))
    .int(st.version)
    .int(st.cversion)
    .int(st.aversion)
    .long(sessionToWire(st.ephemeralOwner))
    .int(st.dataLength)
    .int(st.numChildren)
    .long(st.pzxid);
}
