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
