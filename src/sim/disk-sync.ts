/**
 * The simulated disk's asynchronous durability point (Storage.syncAsync, src/core/env.ts): a
 * write requested durable becomes so only after a modelled fsync latency. The completion is a
 * timer of the node's incarnation, so a crash before it fires voids it, and the crash model of
 * MemoryStorage (src/host/memory-storage.ts) may then lose the mutations it covered, exactly
 * as it loses unsynced ones. Completions keep the order of the requests (fixed latency, and
 * timers of equal time run in scheduling order).
 */
import type { Micros, Timer } from '../core/env.ts';
import type { MemoryStorage } from '../host/memory-storage.ts';

/**
 * Default fsync latency of the simulated disk: 1 ms. etcd's hardware guide asks for a WAL fsync
 * 99th percentile under 10 ms (etcd.io/docs/v3.5/op-guide/hardware, "Disks"; metric
 * wal_fsync_duration_seconds), and a datacenter SSD with a power-loss-protected cache fsyncs in
 * well under 1 ms: 1 ms sits between, long enough for the leader's AppendEntries to overtake
 * its own write, as Raft dissertation §10.2.1 has it.
 */
export const DEFAULT_SYNC_LATENCY_US: Micros = 1_000;

/** Arms `storage.syncAsync` for the node incarnation whose timers `after` schedules. */
export function armAsyncSync(storage: MemoryStorage, latencyUs: Micros, after: (delay: Micros, fn: () => void) => Timer): void {
  storage.syncAsync = (done) => {
    const point = storage.syncPoint();
    after(latencyUs, () => {
      storage.markDurable(point);
      done();
    });
  };
}
