/**
 * A snapshot counts only once durable (src/core/raft/node.ts takeSnapshot): with the asynchronous
 * durability point the simulated disk models (src/sim/disk-sync.ts) the snapshot is written while
 * the node goes on, and the log behind it is compacted only when that write completed. A crash
 * before then keeps the previous snapshot and the whole log on disk.
 */
import { expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { decodePayload, type StoredSnapshot } from '../../src/core/raft/snapshot.ts';
import { Cluster } from './cluster.ts';

it('the log is compacted behind a snapshot only once the snapshot is durable', () => {
  const c = new Cluster({ seed: 1601, voters: ['n1', 'n2', 'n3'], raft: { snapshotTrailingEntries: 2 } }).start();
  const l = c.waitStableLeader(sec(2))!;
  for (let i = 0; i < 30; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
  c.world.runFor(sec(1));
  const st = c.world.storage(l.id(), 'raft');
  const applied = l.appliedIndex();

  l.takeSnapshot();
  expect(l.snapshotIndex()).toBe(applied);
  // Taken, saved, not yet durable: nothing behind it is dropped, and a crash would find no snapshot.
  expect(l.firstIndex()).toBe(1);
  expect(st.load<StoredSnapshot>('snap')?.index).toBe(applied);
  expect(st.durableLoad('snap')).toBeUndefined();

  expect(c.world.runUntil(() => l.firstIndex() > 1, c.world.now() + sec(1))).toBe(true);
  const durable = st.durableLoad<StoredSnapshot>('snap')!;
  expect(durable.index).toBe(applied);
  expect(l.firstIndex()).toBe(applied - 2 + 1);
  // Binary (msgpack), and it decodes to the state machine and sessions it was taken from.
  expect(durable.data).toBeInstanceOf(Uint8Array);
  expect(decodePayload(durable.data).sessions).toBeInstanceOf(Array);
});

it('with a snapshot interval: no snapshot before it unless the log grew past the bound, then one once the interval passed', () => {
  const c = new Cluster({
    seed: 1602,
    voters: ['n1', 'n2', 'n3'],
    raft: { snapshotThresholdEntries: 10, snapshotTrailingEntries: 2, snapshotIntervalUs: sec(5), snapshotMaxEntries: 40 },
  }).start();
  const l = c.waitStableLeader(sec(2))!;
  const start = c.world.now();
  for (let i = 0; i < 14; i++) expect(c.write(`a${i}`, sec(1))).toBeDefined();
  expect(c.world.now() - start).toBeLessThan(sec(5));
  // Past the threshold (10), below the least bound (20), within the interval: none yet.
  expect(l.snapshotIndex()).toBe(0);
  // Past the bound (drawn in [20, 40]): taken whatever the interval.
  for (let i = 0; i < 30 && l.snapshotIndex() === 0; i++) expect(c.write(`b${i}`, sec(1))).toBeDefined();
  expect(c.world.now() - start).toBeLessThan(sec(5));
  const first = l.snapshotIndex();
  expect(first).toBeGreaterThan(20);
  expect(first).toBeLessThanOrEqual(45);
  // The next one waits for the interval (5-10 s) even with the threshold passed again.
  for (let i = 0; i < 15; i++) expect(c.write(`c${i}`, sec(1))).toBeDefined();
  expect(l.snapshotIndex()).toBe(first);
  c.world.runFor(sec(10));
  expect(c.write('d', sec(1))).toBeDefined();
  expect(l.snapshotIndex()).toBeGreaterThan(first);
});
