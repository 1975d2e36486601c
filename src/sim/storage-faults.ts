/**
 * Storage faults at rest (docs/storage-faults.md): what `corrupt`, `wipe` and `restore-stale` do
 * to the simulated disks of a node. After TigerBeetle's VOPR storage faults and Alagappan et al.,
 * "Protocol-Aware Recovery for Consensus-Based Storage" (FAST'18): a disk may return other bytes
 * than were synced (bit rot, a latent sector error), lose a file, or be replaced wholesale.
 *
 * The damage is found when the node next opens its disk (World.boot → MemoryStorage.reopen):
 * the log is cut at the first bad record and the core is told through Storage.damage().
 * Where a fault has a `for`, the node crashes now and restarts with the damage after `for`.
 */
import type { Micros, NodeId } from '../core/env.ts';
import type { MemoryStorage, StorageBackup } from '../host/memory-storage.ts';
import type { Fault } from './types.ts';

/** The primitives storage faults need from a world (a subset of FaultTarget). */
export interface DiskTarget {
  disks(id: NodeId): ReadonlyMap<string, MemoryStorage>;
  emit(kind: string, fields: Record<string, unknown>, node?: NodeId): void;
  atTime(t: Micros, fn: () => void): unknown;
  now(): Micros;
}

type StorageFault = Extract<Fault, { kind: 'corrupt' | 'wipe' | 'restore-stale' }>;

/** The default service whose disk `corrupt` damages. */
export const DEFAULT_CORRUPT_SVC = 'raft';
/** The default state file `corrupt where: state` loses: Raft's hard state (term and vote). */
export const DEFAULT_LOST_KEY = 'hs';

/**
 * Damages the disk. `crashFor` crashes the node now and brings it back after `for` (the caller's
 * crash bookkeeping); it runs before the damage, so a tail that rots is a synced one.
 */
export function applyStorageFault(w: DiskTarget, f: StorageFault, crashFor: (then?: () => void) => void): void {
  switch (f.kind) {
    case 'corrupt':
      if (f.for !== undefined) crashFor();
      corrupt(w, f);
      return;
    case 'wipe':
      crashFor();
      for (const st of w.disks(f.node).values()) st.wipe();
      w.emit('disk.wipe', {}, f.node);
      return;
    case 'restore-stale': {
      const copies = new Map<string, StorageBackup>();
      for (const [svc, st] of w.disks(f.node)) copies.set(svc, st.backup());
      // At the end: crash, put the old copy back (services created since lose everything), restart.
      w.atTime(w.now() + f.for, () => {
        crashFor(() => {
          for (const [svc, st] of w.disks(f.node)) {
            const copy = copies.get(svc);
            if (copy) st.restore(copy);
            else st.wipe();
          }
          w.emit('disk.restore-stale', { age: f.for }, f.node);
        });
      });
      return;
    }
  }
}

function corrupt(w: DiskTarget, f: Extract<Fault, { kind: 'corrupt' }>): void {
  const st = w.disks(f.node).get(f.svc ?? DEFAULT_CORRUPT_SVC);
  if (!st) return w.emit('disk.corrupt', { where: f.where, hit: false }, f.node);
  if (f.where === 'state') {
    const key = f.key ?? DEFAULT_LOST_KEY;
    return w.emit('disk.corrupt', { where: f.where, key, hit: st.loseKey(key) }, f.node);
  }
  const n = Math.max(1, f.records ?? 1);
  const first = st.first();
  const last = st.last();
  // Deterministic positions (a fault is data and replays without a random stream).
  const from = f.where === 'tail' ? last - n + 1 : Math.floor((first + last) / 2);
  const hit = last >= first && st.rot(Math.max(first, from), n);
  w.emit('disk.corrupt', { where: f.where, from: Math.max(first, from), records: n, hit }, f.node);
}
