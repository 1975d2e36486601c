/**
 * The simulated disk's synchronous durability point (Storage.sync, src/core/env.ts) as a process
 * that blocks in fsync: a sync() that has something to write keeps its node busy for a modelled
 * latency of virtual time. Everything the node sends after the sync in the same step, and every
 * event it would handle next (timers, deliveries), waits until the latency has passed, then runs
 * in its original order: a Raft vote leaves `latency` after its request arrived, as in LogCabin,
 * whose voter fsyncs its term and vote (updateLogMetadata) before it answers and whose candidate
 * does so before it sends RequestVote (Server/RaftConsensus.cc, handleRequestVote and
 * startNewElection). Sends made before the sync leave at once. Consecutive syncs add up.
 *
 * Off (latency 0) by default, so every existing trace is unchanged; asynchronous writes have their
 * own latency (src/sim/disk-sync.ts). The world (src/sim/world.ts) holds and releases the events;
 * this file keeps the busy-until bookkeeping.
 */
import type { Micros } from '../core/env.ts';

/** The part of a simulated node a blocking sync changes (SimNode in world.ts). */
export interface SyncBlockedNode {
  /** Bumped at every crash and restart: the end of a sync of an older incarnation is void. */
  readonly epoch: number;
  /** True time until which the node is inside a blocking sync; 0 when it is not (its events then run). */
  syncBusyUntil: Micros;
}

/**
 * The node just made a sync() that wrote something, at true time `now`: it is busy `latencyUs` more
 * (after any sync it is already inside). `at` schedules a world callback at a true time; `release`
 * runs once the node is no longer busy, to hand it the events held meanwhile.
 */
export function blockOnSync(
  node: SyncBlockedNode,
  latencyUs: Micros,
  now: () => Micros,
  at: (t: Micros, fn: () => void) => void,
  release: () => void,
): void {
  const pending = node.syncBusyUntil > 0; // an end callback is already scheduled; it follows the new time
  node.syncBusyUntil = Math.max(node.syncBusyUntil, now()) + latencyUs;
  if (pending) return;
  const epoch = node.epoch;
  const end = (): void => {
    if (node.epoch !== epoch) return; // crashed meanwhile: the crash cleared the node
    if (now() < node.syncBusyUntil) {
      at(node.syncBusyUntil, end); // a later sync extended it
      return;
    }
    node.syncBusyUntil = 0;
    release();
  };
  at(node.syncBusyUntil, end);
}
