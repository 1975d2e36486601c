/**
 * Issue 15, point 3: a command past a store bound that reaches the log (a client past the HTTP
 * checks) is a recorded refusal, the same on every replica: each store applies the entry, changes
 * nothing, and all three end in the same state. Bounds are lowered on the running stores (sessions,
 * znodes); the transaction-ops bound is the real one (KV_MAX_TXN_OPS).
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { KV_MAX_TXN_OPS } from '../../src/core/kv/index.ts';
import { CoordCluster } from './cluster.ts';

describe('a command past a store bound, on three replicas', () => {
  it('is refused alike everywhere and the stores stay identical', () => {
    const c = new CoordCluster({ seed: 77, clients: [] }).start();
    c.waitLeader();
    const zs = c.propose({ type: 'zk.session.create', timeoutUs: sec(30) });
    const session = (zs as { session: string }).session;
    c.world.runFor(sec(1));
    const stores = c.storesOf();
    expect(stores).toHaveLength(3);
    for (const s of stores) {
      (s.sessions as { maxSessions: number }).maxSessions = s.sessions.size();
      (s.tree as { maxNodes: number }).maxNodes = s.tree.size();
    }
    const results = [
      c.propose({ type: 'session.create', input: { node: 'n1' } }),
      c.propose({ type: 'zk.op', session, op: { op: 'create', path: '/a', data: '', mode: 'persistent' } }),
      c.propose({ type: 'kv.txn', ops: Array.from({ length: KV_MAX_TXN_OPS + 1 }, (_, i) => ({ verb: 'set' as const, key: `t${i}`, value: '' })) }),
    ];
    expect(results[0]).toMatchObject({ ok: false, error: expect.stringContaining('too many sessions') });
    expect(results[1]).toMatchObject({ ok: true, result: { ok: false, error: 'BadArguments' } });
    expect(results[2]).toMatchObject({ ok: false, error: expect.stringContaining('too many operations') });
    c.world.runFor(sec(2));
    const applied = stores.map((s) => s.appliedIndex());
    expect(new Set(applied).size).toBe(1);
    const snaps = stores.map((s) => JSON.stringify(s.snapshot()));
    expect(snaps[1]).toBe(snaps[0]);
    expect(snaps[2]).toBe(snaps[0]);
    expect(stores[0]!.kv.get('t0')).toBeUndefined();
  });
});
