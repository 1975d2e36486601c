/**
 * Leases (etcd / raftd style) on a simulated 3-node Raft cluster, driven by an RPC client.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import type { LeaseTimeToLive, RpcOp, RpcResult } from '../../src/core/coord/index.ts';
import type { StoreResult } from '../../src/core/store/index.ts';
import { CoordCluster } from './cluster.ts';
import { call } from './sim-helpers.ts';

function setup(seed: number) {
  const c = new CoordCluster({ seed, clients: ['c1'] }).start();
  c.waitLeader();
  const rpc = c.client('c1').rpc;
  const w = c.world;
  const op = (o: RpcOp): RpcResult => call<[RpcResult]>(w, (d) => rpc.call(o, d))[0];
  const propose = (cmd: Extract<RpcOp, { kind: 'propose' }>['cmd']): StoreResult => {
    const r = op({ kind: 'propose', cmd });
    if (!r.ok) throw new Error(`propose failed: ${JSON.stringify(r)}`);
    return r.value as StoreResult;
  };
  const grant = (ttlUs: number, name = ''): string => {
    const r = propose({ type: 'lease.grant', ttlUs, name });
    if (r.type !== 'lease.grant' || !r.ok) throw new Error('grant failed');
    return r.lease.id;
  };
  return { c, w, rpc, op, propose, grant };
}

describe('leases', () => {
  it('a lease that is never kept alive expires after its TTL and deletes exactly its keys', () => {
    const { c, w, propose, grant } = setup(21);
    // The TTL runs from the grant's apply on the leader: after the client sent it.
    const grantedAt = w.now();
    const id = grant(sec(5), 'svc-1');
    propose({ type: 'lease.put', key: 'svc/a', value: '1', lease: id });
    propose({ type: 'lease.put', key: 'svc/b', value: '2', lease: id });
    propose({ type: 'kv', cmd: { type: 'put', key: 'svc/c', value: 'plain' } });
    let expiredAt = -1;
    w.on((ev) => {
      if (ev.kind === 'lease.expire' && ev.id === id && expiredAt < 0) expiredAt = ev.t;
    });
    w.runUntil(() => c.leader()?.store.leases.has(id) === false, w.now() + sec(20));
    expect(expiredAt - grantedAt).toBeGreaterThanOrEqual(sec(5));
    expect(expiredAt - grantedAt).toBeLessThan(sec(6));
    const store = c.leader()!.store;
    expect(store.kv.get('svc/a')).toBeUndefined();
    expect(store.kv.get('svc/b')).toBeUndefined();
    expect(store.kv.get('svc/c')?.value).toBe('plain');
  });

  it('keep-alives hold a lease; TimeToLive reports remaining time and keys; a prefix query lists live leased keys', () => {
    const { c, w, op, propose, grant } = setup(22);
    const id = grant(sec(3), '/esq/node-1');
    propose({ type: 'lease.put', key: '/esq/node-1', value: '{"http":"127.0.0.1:9001"}', lease: id });
    for (let i = 0; i < 10; i++) {
      w.runFor(sec(1));
      expect(op({ kind: 'lease.keepalive', id }).ok).toBe(true);
    }
    const ttl = op({ kind: 'lease.ttl', id });
    expect(ttl.ok).toBe(true);
    const v = (ttl as { value: LeaseTimeToLive }).value;
    expect(v.grantedTtlUs).toBe(sec(3));
    expect(v.remainingUs).toBeGreaterThan(sec(2));
    expect(v.keys).toEqual(['/esq/node-1']);
    expect(c.leader()!.store.leasedRange('/esq/').map((e) => e.key)).toEqual(['/esq/node-1']);
    // Revoke: keys go at once.
    propose({ type: 'lease.revoke', id });
    expect(c.leader()!.store.leasedRange('/esq/')).toEqual([]);
    expect(op({ kind: 'lease.keepalive', id })).toMatchObject({ ok: false, error: 'not-found' });
  });

  it('lease ids are the grant index: unique, and identical on every replica', () => {
    const { c, w, grant } = setup(23);
    const ids = [grant(sec(60)), grant(sec(60)), grant(sec(60))];
    expect(new Set(ids).size).toBe(3);
    w.runFor(sec(1));
    for (const s of c.storesOf()) expect(s.leases.list().map((l) => l.id)).toEqual(ids);
  });

  it('after a leader change the new leader extends every lease (etcd Promote): no early expiry', () => {
    const { c, w, propose, grant } = setup(24);
    const id = grant(sec(4));
    propose({ type: 'lease.put', key: 'k', value: 'v', lease: id });
    const grantedAt = w.now();
    w.runFor(sec(2));
    const old = c.leader()!;
    const oldId = c.servers.find((s) => c.server(s) === old)!;
    w.inject({ kind: 'crash', node: oldId });
    let expiredAt = -1;
    w.on((ev) => {
      if (ev.kind === 'lease.expire' && ev.id === id && expiredAt < 0) expiredAt = ev.t;
    });
    w.runUntil(() => expiredAt >= 0, w.now() + sec(30));
    // The new leader counted a full TTL (+ the election-timeout extension) from its promotion.
    expect(expiredAt - grantedAt).toBeGreaterThan(sec(4) + sec(2));
    w.runFor(sec(1));
    expect(c.leader()!.store.kv.get('k')).toBeUndefined();
  });
});
