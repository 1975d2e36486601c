// A snapshot transfer is input from a peer: chunks past the receiver's bound drop the transfer
// (the leader starts again from offset 0) instead of failing an assertion.
import { expect, it } from 'vitest';
import { SnapshotReceiver } from '../../src/core/raft/snapshot.ts';

it('reassembles in-order chunks, asks for a restart on a gap, and drops a transfer past its bound', () => {
  const r = new SnapshotReceiver(10);
  expect(r.accept(5, 2, 0, new Uint8Array([1, 2, 3]), false)).toEqual({ next: 3 });
  expect(r.accept(5, 2, 7, new Uint8Array([9]), false)).toEqual({ next: -1 }); // a gap
  expect(r.accept(5, 2, 3, new Uint8Array([4, 5]), true)).toEqual({ data: new Uint8Array([1, 2, 3, 4, 5]) });
  expect(r.accept(6, 2, 0, new Uint8Array(8), false)).toEqual({ next: 8 });
  expect(() => r.accept(6, 2, 8, new Uint8Array(3), false)).not.toThrow();
  expect(r.accept(6, 2, 8, new Uint8Array(3), false)).toEqual({ next: -1 }); // the dropped transfer is gone
  expect(r.accept(6, 2, 0, new Uint8Array(10), true)).toEqual({ data: new Uint8Array(10) });
});
