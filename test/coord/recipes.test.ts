/**
 * Recipes on the tree client: lock without herd effect, leader election, barriers.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import type { TreeClient, Watcher, ZkClient } from '../../src/core/coord/tree/index.ts';
import { Barrier, DoubleBarrier, LeaderElection, TreeLock } from '../../src/core/coord/tree/recipes/index.ts';
import { CoordCluster } from './cluster.ts';
import { call } from './sim-helpers.ts';

/**
 * Wraps a client to count the watch events delivered to it. Every call goes to `c` itself (a
 * prototype wrapper would keep its own copy of the client's counters on writes: xids and
 * the connection's sequence numbers would diverge from the client's).
 */
function counting(c: ZkClient): { client: TreeClient; events: () => number } {
  let n = 0;
  const wrap = (w: Watcher | undefined): Watcher | undefined => (w ? (ev) => (n++, w(ev)) : undefined);
  const client: TreeClient = {
    sessionId: () => c.sessionId(),
    state: () => c.state(),
    onState: (l) => c.onState(l),
    create: (p, d, m, cb) => c.create(p, d, m, cb),
    delete: (p, v, cb) => c.delete(p, v, cb),
    setData: (p, d, v, cb) => c.setData(p, d, v, cb),
    getData: (p, w, cb) => c.getData(p, wrap(w), cb),
    exists: (p, w, cb) => c.exists(p, wrap(w), cb),
    getChildren: (p, w, cb) => c.getChildren(p, wrap(w), cb),
    multi: (ops, cb) => c.multi(ops, cb),
    sync: (p, cb) => c.sync(p, cb),
    addWatch: (p, w, cb) => c.addWatch(p, wrap(w)!, cb),
    close: (cb) => c.close(cb),
  };
  return { client, events: () => n };
}

function setup(seed: number, clients: string[], recordTrace = false) {
  const c = new CoordCluster({ seed, clients, recordTrace }).start();
  c.waitLeader();
  const zk = clients.map((id) => c.client(id).zk.client(['n1', 'n2', 'n3'], { sessionTimeoutUs: sec(6) }));
  c.world.runUntil(() => zk.every((z) => z.state() === 'connected'), c.world.now() + sec(10));
  return { c, w: c.world, zk };
}

describe('lock recipe', () => {
  it('grants the lock in creation order, one holder at a time, waking only the next waiter (no herd)', () => {
    const { w, zk } = setup(11, ['c1', 'c2', 'c3', 'c4', 'c5']);
    call(w, (d) => zk[0]!.create('/locks', '', 'container', d));
    const counted = zk.map(counting);
    const locks = counted.map((x) => new TreeLock(x.client, '/locks'));
    const order: number[] = [];
    const tokens: number[] = [];
    let holders = 0;
    let maxHolders = 0;
    locks.forEach((l, i) => {
      // Stagger so the queue order is known.
      w.after(sec(0.1) * i, () =>
        l.acquire((err, info) => {
          expect(err).toBeNull();
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          order.push(i);
          tokens.push(info!.fencingToken);
          w.after(sec(0.5), () => {
            holders--;
            l.release(() => {});
          });
        }),
      );
    });
    w.runUntil(() => order.length === locks.length, w.now() + sec(60));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(maxHolders).toBe(1);
    // Fencing tokens (the lock node's czxid) strictly increase.
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    // Each release woke exactly the next waiter: 4 hand-overs, 4 watch events in total.
    w.runFor(sec(2));
    expect(counted.reduce((s, x) => s + x.events(), 0)).toBe(4);
  });

  it('a holder whose session expires loses the lock to the next contender', () => {
    const { w, zk } = setup(12, ['c1', 'c2'], true);
    call(w, (d) => zk[0]!.create('/l', '', 'persistent', d));
    const [a, b] = [new TreeLock(zk[0]!, '/l'), new TreeLock(zk[1]!, '/l')];
    expect(call(w, (d) => a.acquire(d))[0]).toBeNull();
    let bGot = -1;
    b.acquire((err) => {
      expect(err).toBeNull();
      bGot = w.now();
    });
    w.runFor(sec(1));
    expect(bGot).toBe(-1);
    const crashAt = w.now();
    w.inject({ kind: 'crash', node: 'c1' });
    w.runUntil(() => bGot >= 0, w.now() + sec(30));
    // Not before the session timeout (6 s) counted from the last time a server heard from c1:
    // the lower bound the leader's timer enforces (as ZooKeeper's). An idle client pings every
    // timeout / 3, so that can be up to 2 s before the crash.
    const heard = w.traceEvents().filter((e) => e.kind === 'net.deliver' && e.from === 'c1' && e.svc === 'zk' && e.t <= crashAt);
    const lastHeard = Math.max(...heard.map((e) => e.t));
    expect(crashAt - lastHeard).toBeLessThanOrEqual(sec(2) + sec(0.1));
    expect(bGot - lastHeard).toBeGreaterThanOrEqual(sec(6));
    expect(bGot - crashAt).toBeGreaterThanOrEqual(sec(6) - sec(2) - sec(0.1));
  });
});

describe('leader election recipe', () => {
  it('elects one leader; when its client dies the next candidate takes over', () => {
    const { w, zk } = setup(13, ['c1', 'c2', 'c3']);
    call(w, (d) => zk[0]!.create('/election', '', 'persistent', d));
    const elections = zk.map((z, i) => new LeaderElection(z, '/election', `cand-${i}`));
    const elected: string[] = [];
    elections.forEach((e, i) => w.after(sec(0.05) * i, () => e.run((err) => !err && elected.push(`cand-${i}`))));
    w.runUntil(() => elected.length === 1, w.now() + sec(10));
    w.runFor(sec(1));
    expect(elected).toEqual(['cand-0']);
    expect(call(w, (d) => elections[2]!.leader(d))[1]).toBe('cand-0');
    w.inject({ kind: 'crash', node: 'c1' });
    w.runUntil(() => elected.length === 2, w.now() + sec(30));
    expect(elected).toEqual(['cand-0', 'cand-1']);
    call(w, (d) => zk[2]!.sync('/', d));
    expect(call(w, (d) => elections[2]!.leader(d))[1]).toBe('cand-1');
  });
});

describe('barriers', () => {
  it('a barrier holds waiters until it is removed', () => {
    const { w, zk } = setup(14, ['c1', 'c2', 'c3']);
    const owner = new Barrier(zk[0]!, '/gate');
    call(w, (d) => owner.set(d));
    let released = 0;
    for (const z of zk.slice(1)) {
      call(w, (d) => z.sync('/', d));
      new Barrier(z, '/gate').wait((err) => {
        expect(err).toBeNull();
        released++;
      });
    }
    w.runFor(sec(2));
    expect(released).toBe(0);
    call(w, (d) => owner.remove(d));
    w.runFor(sec(1));
    expect(released).toBe(2);
  });

  it('a double barrier lets participants proceed only when all have entered', () => {
    const { w, zk } = setup(15, ['c1', 'c2', 'c3']);
    call(w, (d) => zk[0]!.create('/db', '', 'persistent', d));
    const entered: number[] = [];
    const t0 = w.now();
    zk.forEach((z, i) => w.after(sec(1) * i, () => new DoubleBarrier(z, '/db', `p${i}`, 3).enter((err) => !err && entered.push(w.now()))));
    w.runUntil(() => entered.length === 3, w.now() + sec(20));
    expect(entered.length).toBe(3);
    // Nobody got through before the third participant entered (at t0 + 2 s).
    expect(Math.min(...entered)).toBeGreaterThanOrEqual(t0 + sec(2));
  });
});
