/**
 * Consul-style session TTLs on a simulated 3-node cluster: invalidation after TTL x 2 without
 * renewal, renewals keep a session, and a leader change never invalidates early.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import type { RpcOp, RpcResult } from '../../src/core/coord/index.ts';
import type { StoreResult } from '../../src/core/store/index.ts';
import { CoordCluster } from './cluster.ts';
import { call } from './sim-helpers.ts';

function setup(seed: number) {
  const c = new CoordCluster({ seed, clients: ['c1'] }).start();
  c.waitLeader();
  const w = c.world;
  const rpc = c.client('c1').rpc;
  const op = (o: RpcOp): RpcResult => call<[RpcResult]>(w, (d) => rpc.call(o, d))[0];
  const propose = (cmd: Extract<RpcOp, { kind: 'propose' }>['cmd']): StoreResult => {
    const r = op({ kind: 'propose', cmd });
    if (!r.ok) throw new Error(`propose failed: ${JSON.stringify(r)}`);
    return r.value as StoreResult;
  };
  propose({ type: 'catalog.register', node: 'c1', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
  const create = (ttlUs: number): string => {
    const r = propose({ type: 'session.create', input: { node: 'c1', ttlUs } });
    if (r.type !== 'session.create' || !r.ok) throw new Error('create failed');
    return r.session.id;
  };
  let invalidatedAt = new Map<string, number>();
  w.on((ev) => {
    if (ev.kind === 'coord.session.removed' && typeof ev.id === 'string' && !invalidatedAt.has(ev.id)) invalidatedAt.set(ev.id, ev.t);
  });
  return { c, w, op, create, invalidatedAt };
}

describe('session TTLs', () => {
  it('a session that is never renewed is invalidated TTL x 2 after creation (Consul grace), not before', () => {
    const { w, create, invalidatedAt } = setup(41);
    const t0 = w.now();
    const id = create(sec(10));
    w.runFor(sec(25));
    const t = invalidatedAt.get(id)!;
    expect(t - t0).toBeGreaterThanOrEqual(sec(20));
    expect(t - t0).toBeLessThan(sec(21));
  });

  it('renewals keep a session alive; renewing an unknown session says not-found', () => {
    const { w, op, create, invalidatedAt } = setup(42);
    const id = create(sec(10));
    for (let i = 0; i < 12; i++) {
      w.runFor(sec(5));
      expect(op({ kind: 'session.renew', id }).ok).toBe(true);
    }
    expect(invalidatedAt.has(id)).toBe(false);
    expect(op({ kind: 'session.renew', id: 'nope' })).toMatchObject({ ok: false, error: 'not-found' });
  });

  it('a leader change restarts the timers from full: no invalidation earlier than TTL x 2 after the last renewal', () => {
    const { c, w, op, create, invalidatedAt } = setup(43);
    const id = create(sec(10));
    w.runFor(sec(5));
    const renewSent = w.now();
    expect(op({ kind: 'session.renew', id }).ok).toBe(true);
    w.runFor(sec(8));
    const leaderId = c.servers.find((s) => w.isUp(s) && c.server(s).raft.isLeader())!;
    w.inject({ kind: 'crash', node: leaderId });
    w.runFor(sec(40));
    const t = invalidatedAt.get(id);
    expect(t).toBeDefined();
    expect(t! - renewSent).toBeGreaterThanOrEqual(sec(20));
  });
});
