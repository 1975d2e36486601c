/**
 * The tree's bounds (issue 15, point 3): a create past the znode bound or with data past
 * ZK_MAX_DATA_BYTES is refused by the tree server before anything is proposed (BadArguments, no
 * log entry); the apply refuses the same (test/hanode/apply-limits.test.ts), so a command that
 * got through anyway is a recorded refusal alike on every replica. The znode bound is lowered
 * on the running stores for the test (MAX_ZNODES is 1,000,000).
 */
import { describe, expect, it } from 'vitest';
import { ZK_MAX_DATA_BYTES } from '../../src/core/coord/config.ts';
import { connectedTreePair } from './cluster.ts';
import { call } from './sim-helpers.ts';

describe('tree bounds checked before proposing', () => {
  it('a create past the znode bound, or data past the size bound, is BadArguments with no log entry', () => {
    const { c, w, a } = connectedTreePair(31);
    expect(call(w, (d) => a.create('/x', '', 'persistent', d))[0]).toBeNull();
    w.runFor(1_000_000);
    const leader = c.waitLeader();
    const last = leader.raft.lastIndex();
    expect(call(w, (d) => a.create('/big', 'x'.repeat(ZK_MAX_DATA_BYTES + 1), 'persistent', d))[0]).toBe('BadArguments');
    expect(call(w, (d) => a.setData('/x', 'x'.repeat(ZK_MAX_DATA_BYTES + 1), -1, d))[0]).toBe('BadArguments');
    for (const s of c.storesOf()) (s.tree as { maxNodes: number }).maxNodes = s.tree.size();
    expect(call(w, (d) => a.create('/y', '', 'persistent', d))[0]).toBe('BadArguments');
    expect(leader.raft.lastIndex()).toBe(last);
    // Below the bound again, creates go through.
    for (const s of c.storesOf()) (s.tree as { maxNodes: number }).maxNodes = s.tree.size() + 1;
    expect(call(w, (d) => a.create('/y', '', 'persistent', d))[0]).toBeNull();
    expect(leader.raft.lastIndex()).toBeGreaterThan(last);
  });
});
