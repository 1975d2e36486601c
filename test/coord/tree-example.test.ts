/**
 * The ZooKeeper-style tree, end to end: clients on their own node talk to tree servers on a
 * 3-node Raft cluster in the simulator. These read like documentation.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import type { MultiResult, Stat, ZkClient } from '../../src/core/coord/tree/index.ts';
import { connectedTreePair } from './cluster.ts';
import { call } from './sim-helpers.ts';

const setup = (seed = 1) => connectedTreePair(seed, { containerCheckUs: sec(5) });

describe('ZooKeeper-style tree over the simulator', () => {
  it('create / getData / setData / delete with versions and stats', () => {
    const { w, a } = setup();
    const [err, path, stat] = call<[unknown, string?, Stat?]>(w, (d) => a.create('/app', 'cfg', 'persistent', d));
    expect(err).toBeNull();
    expect(path).toBe('/app');
    expect(stat).toMatchObject({ version: 0, dataLength: 3, ephemeralOwner: '0', numChildren: 0 });
    expect(call(w, (d) => a.create('/app', '', 'persistent', d))[0]).toBe('NodeExists');
    expect(call(w, (d) => a.create('/nope/x', '', 'persistent', d))[0]).toBe('NoNode');
    expect(call(w, (d) => a.setData('/app', 'v2', 5, d))[0]).toBe('BadVersion');
    const [, st2] = call<[unknown, Stat?]>(w, (d) => a.setData('/app', 'v2', 0, d));
    expect(st2).toMatchObject({ version: 1, czxid: stat!.czxid });
    expect(st2!.mzxid).toBeGreaterThan(stat!.mzxid);
    call(w, (d) => a.create('/app/child', '', 'persistent', d));
    expect(call(w, (d) => a.delete('/app', -1, d))[0]).toBe('NotEmpty');
    const [, , parent] = call(w, (d) => a.getData('/app', undefined, d));
    expect(parent).toMatchObject({ numChildren: 1, cversion: 1 });
    expect(call(w, (d) => a.delete('/app/child', -1, d))[0]).toBeNull();
    expect(call(w, (d) => a.delete('/app', 1, d))[0]).toBeNull();
    expect(call(w, (d) => a.exists('/app', undefined, d))[1]).toBeNull();
  });

  it('sequential nodes take a 10-digit suffix from the parent cversion; ephemerals cannot have children', () => {
    const { w, a } = setup(2);
    call(w, (d) => a.create('/q', '', 'persistent', d));
    const names = [0, 1, 2].map(() => call(w, (d) => a.create('/q/item-', '', 'persistent_sequential', d))[1]);
    expect(names).toEqual(['/q/item-0000000000', '/q/item-0000000001', '/q/item-0000000002']);
    call(w, (d) => a.delete('/q/item-0000000001', -1, d));
    // The suffix counts creates only (as ZooKeeper 3.8 does): 3, never reused.
    expect(call(w, (d) => a.create('/q/item-', '', 'persistent_sequential', d))[1]).toBe('/q/item-0000000003');
    call(w, (d) => a.create('/q/e', '', 'ephemeral', d));
    expect(call(w, (d) => a.create('/q/e/x', '', 'persistent', d))[0]).toBe('NoChildrenForEphemerals');
  });

  it('a client sees the watch event before the data that triggered it', () => {
    const { w, a, b } = setup(3);
    const seen: string[] = [];
    call(w, (d) => a.create('/cfg', 'v1', 'persistent', d));
    // Reads are served by b's own server, which may lag: sync() first (ZooKeeper semantics).
    call(w, (d) => b.sync('/cfg', d));
    call(w, (d) => b.getData('/cfg', (ev) => seen.push(`event ${ev.type}`), d));
    // b polls while a writes: the first read that reflects v2 must come after the event.
    a.setData('/cfg', 'v2', -1, () => {});
    const poll = () =>
      b.getData('/cfg', undefined, (_e, data) => {
        seen.push(`read ${data}`);
        if (data !== 'v2') poll();
      });
    poll();
    w.runUntil(() => seen.includes('read v2'), w.now() + sec(10));
    const firstV2 = seen.indexOf('read v2');
    expect(seen.indexOf('event NodeDataChanged')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('event NodeDataChanged')).toBeLessThan(firstV2);
  });

  it('one-shot watches fire once; persistent recursive watches keep firing for the subtree', () => {
    const { w, a, b } = setup(4);
    const once: string[] = [];
    const rec: string[] = [];
    call(w, (d) => a.create('/svc', '', 'persistent', d));
    call(w, (d) => b.sync('/svc', d));
    call(w, (d) => b.getChildren('/svc', (ev) => once.push(`${ev.type} ${ev.path}`), d));
    call(w, (d) => b.addWatch('/svc', (ev) => rec.push(`${ev.type} ${ev.path}`), d));
    call(w, (d) => a.create('/svc/x', '1', 'persistent', d));
    call(w, (d) => a.create('/svc/y', '1', 'persistent', d));
    call(w, (d) => a.setData('/svc/x', '2', -1, d));
    call(w, (d) => a.delete('/svc/y', -1, d));
    call(w, (d) => b.sync('/', d));
    expect(once).toEqual(['NodeChildrenChanged /svc']);
    expect(rec).toEqual(['NodeCreated /svc/x', 'NodeCreated /svc/y', 'NodeDataChanged /svc/x', 'NodeDeleted /svc/y']);
  });

  it('multi() is all-or-nothing', () => {
    const { w, a } = setup(5);
    call(w, (d) => a.create('/m', '', 'persistent', d));
    const [, bad] = call(w, (d) =>
      a.multi(
        [
          { op: 'create', path: '/m/a', data: '', mode: 'persistent' },
          { op: 'setData', path: '/m', data: 'x', version: 7 },
          { op: 'create', path: '/m/b', data: '', mode: 'persistent' },
        ],
        d,
      ),
    );
    expect(bad).toMatchObject({ ok: false, failedAt: 1, error: 'BadVersion', errors: ['Ok', 'BadVersion', 'RuntimeInconsistency'] });
    expect(call(w, (d) => a.exists('/m/a', undefined, d))[1]).toBeNull();
    const [, good] = call<[unknown, MultiResult?]>(w, (d) =>
      a.multi(
        [
          { op: 'create', path: '/m/a', data: '', mode: 'persistent' },
          { op: 'check', path: '/m', version: 0 },
          { op: 'setData', path: '/m', data: 'x', version: 0 },
        ],
        d,
      ),
    );
    expect(good?.ok).toBe(true);
    expect(call(w, (d) => a.getData('/m', undefined, d))[1]).toBe('x');
  });

  it('ephemerals vanish when their session closes or expires', () => {
    const { c, w, a, b } = setup(6);
    call(w, (d) => a.create('/live', '', 'persistent', d));
    call(w, (d) => a.create('/live/a', '', 'ephemeral', d));
    call(w, (d) => b.create('/live/b', '', 'ephemeral', d));
    call(w, (d) => a.close(d));
    call(w, (d) => b.sync('/live', d));
    expect(call(w, (d) => b.getChildren('/live', undefined, d))[1]).toEqual(['b']);
    // c2 loses its node: the session is not pinged any more and the leader expires it.
    const states: string[] = [];
    b.onState((s) => states.push(s));
    w.inject({ kind: 'crash', node: 'c2' });
    w.runFor(sec(20));
    const l = c.leader()!;
    expect(l.store.tree.getChildren('/live')).toEqual([]);
    expect(l.store.tree.listSessions()).toEqual([]);
  });

  it('a session survives the loss of its server: the client reconnects elsewhere', () => {
    const { c, w, a } = setup(7);
    call(w, (d) => a.create('/e', '', 'ephemeral', d));
    const sid = a.sessionId();
    const server = (a as ZkClient).currentServer()!;
    w.inject({ kind: 'crash', node: server, for: sec(30) });
    w.runUntil(() => a.state() === 'connected' && (a as ZkClient).currentServer() !== server, w.now() + sec(30));
    expect(a.sessionId()).toBe(sid);
    expect(call(w, (d) => a.exists('/e', undefined, d))[1]).not.toBeNull();
    void c;
  });

  it('a container node is removed once its last child is gone', () => {
    const { c, w, a } = setup(8);
    call(w, (d) => a.create('/jobs', '', 'container', d));
    w.runFor(sec(12));
    expect(call(w, (d) => a.exists('/jobs', undefined, d))[1]).not.toBeNull(); // never had children: kept
    call(w, (d) => a.create('/jobs/j1', '', 'persistent', d));
    call(w, (d) => a.delete('/jobs/j1', -1, d));
    w.runFor(sec(12));
    expect(c.leader()!.store.tree.exists('/jobs')).toBeUndefined();
  });
});
