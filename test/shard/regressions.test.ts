/**
 * Regressions found by QA on the shard placement (scenarios/shard-primary-failover.yaml seeds
 * 104 and 175, scenarios/stress/shard-nemesis.yaml seeds 2 and 112, and the election stalls
 * seen on ~15% of shard-nemesis seeds). Each test fails without its fix.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec, type Env, type Message, type NodeId } from '../../src/core/env.ts';
import { DataNode, ShardClient, ShardServer, TreeRegistry, type GroupConfig, type ListResult, type Registry, type RegisterResult, type RingState, type ShardMessage } from '../../src/core/shard/index.ts';
import type { TreeClient } from '../../src/core/coord/tree/index.ts';
import { World } from '../../src/sim/index.ts';
import { GROUPS, SERVERS, WRITE_EVERY, lostWrites, shardCluster } from './harness.ts';

/** A node that only records what it receives and sends what a test tells it to. */
class Probe {
  readonly got: { from: NodeId; msg: Message }[] = [];
  constructor(readonly env: Env) {
    env.onMessage((from, msg) => this.got.push({ from, msg }));
  }
  send(to: NodeId, msg: ShardMessage): void {
    this.env.send(to, msg, { reliable: true });
  }
  of(type: string): Message[] {
    return this.got.filter((g) => g.msg.type === type).map((g) => g.msg);
  }
}

/** s1 (a probe standing in for the master), d1 and d2 (data nodes or probes), c1 (client or probe). */
function tinyWorld(seed: number, make: (id: NodeId, env: Env) => object) {
  const world = World.lan(['s1', 'c1', 'd1', 'd2'], seed, { dc: 'dc' });
  world.setup((ctx) => make(ctx.id, ctx.env('shard')) as never);
  world.start();
  return world;
}

const cfg = (over: Partial<GroupConfig>): GroupConfig => ({ group: 'g1', epoch: [1, 1], primary: 'd1', standbys: [], syncing: [], unavailable: false, lastInSync: [], ...over });
const ring = (over: Partial<RingState> = {}): RingState => ({ rev: [1, 1], version: 1, groups: ['g1'], adding: null, done: [], primaries: { g1: 'd1' }, ...over });

describe('bug 1: nobody routes or accepts keys before the master has published a ring', () => {
  it('a primary refuses puts until it has a ring', () => {
    const world = tinyWorld(1, (id, env) => (id === 'd1' ? new DataNode(env, 'g1', ['s1']) : new Probe(env)));
    const master = world.app<Probe>('s1')!;
    const client = world.app<Probe>('c1')!;
    world.run(ms(10));
    master.send('d1', { type: 'shard.config', config: cfg({}) });
    world.run(ms(20));
    expect(world.app<DataNode>('d1')!.isPrimary()).toBe(true);
    client.send('d1', { type: 'shard.put', req: 1, group: 'g1', key: 'k30', value: 'v' });
    world.run(ms(30));
    expect(client.of('shard.put.ok')).toEqual([]);
    expect(client.of('shard.err')).toMatchObject([{ req: 1, error: 'busy' }]);
    master.send('d1', { type: 'shard.ring', ring: ring() });
    world.run(ms(40));
    client.send('d1', { type: 'shard.put', req: 2, group: 'g1', key: 'k30', value: 'v' });
    world.run(ms(50));
    expect(client.of('shard.put.ok')).toMatchObject([{ req: 2 }]);
  });

  it('a client does not route a key on the groups configured so far when the route has no ring', () => {
    const world = tinyWorld(2, (id, env) => (id === 'c1' ? new ShardClient(env, ['s1']) : new Probe(env)));
    const master = world.app<Probe>('s1')!;
    const client = world.app<ShardClient>('c1')!;
    const g2 = cfg({ group: 'g2', primary: 'd2' });
    master.send('c1', { type: 'shard.route', configs: [g2], master: 's1', ring: null });
    world.run(ms(10));
    expect(client.groupOf('k30')).toBeUndefined();
    client.put('k30', 'v30', () => {});
    world.run(ms(20));
    expect(world.app<Probe>('d2')!.of('shard.put')).toEqual([]);
    // once the ring comes, keys go where it says
    master.send('c1', { type: 'shard.route', configs: [g2, cfg({})], master: 's1', ring: ring({ groups: ['g1', 'g2'], primaries: { g1: 'd1', g2: 'd2' } }) });
    world.run(ms(1500));
    const owner = client.groupOf('k30');
    expect(owner).toBeDefined();
    expect(world.app<Probe>(owner === 'g1' ? 'd1' : 'd2')!.of('shard.put').length).toBeGreaterThan(0);
  });

  it('the master answers no route before it has a ring', () => {
    const c = shardCluster(3);
    const client = c.client()!;
    // Ask every 100 ms from the start: the client must learn no ownership before the ring exists.
    for (let t = ms(100); t < sec(8); t += ms(100)) c.world.at(t, () => client.refreshRoutes());
    let beforeRing: string | undefined;
    c.world.runUntil(() => {
      const m = c.master();
      if (m && m.ringState().version === 0 && client.groupOf('k30') !== undefined) beforeRing = `routed on ${client.groupOf('k30')} before the ring`;
      return m !== undefined && m.ringState().version > 0;
    }, sec(10));
    expect(beforeRing).toBeUndefined();
    expect(c.master()!.ringState().version).toBeGreaterThan(0);
    c.world.run(c.world.now() + sec(1));
    expect(client.groupOf('k30')).toBeDefined();
  });
});

describe('bug 2: a syncing standby counts as in sync only once it acknowledged its snapshot', () => {
  it('the primary does not report a standby synced that never acknowledged the snapshot', () => {
    const world = tinyWorld(4, (id, env) => (id === 'd1' ? new DataNode(env, 'g1', ['s1']) : new Probe(env)));
    const master = world.app<Probe>('s1')!;
    const standby = world.app<Probe>('d2')!;
    world.run(ms(10));
    const c = cfg({ syncing: ['d2'] });
    master.send('d1', { type: 'shard.config', config: c });
    master.send('d1', { type: 'shard.ring', ring: ring() });
    world.run(ms(20));
    standby.send('d1', { type: 'shard.sync.req', epoch: c.epoch });
    world.run(sec(3)); // several retry periods (500 ms)
    expect(standby.of('shard.sync.snap').length).toBeGreaterThan(0);
    expect(master.of('shard.synced')).toEqual([]);
    // an ack of the snapshot's seq under an older configuration does not count either
    standby.send('d1', { type: 'shard.repl.ack', epoch: [0, 5], seq: 0 });
    world.run(sec(4));
    expect(master.of('shard.synced')).toEqual([]);
    standby.send('d1', { type: 'shard.repl.ack', epoch: c.epoch, seq: 0 });
    world.run(sec(5));
    expect(master.of('shard.synced').length).toBeGreaterThan(0);
  });
});

describe('bug 2b: a syncing standby acknowledges nothing before it installed the primary\'s snapshot', () => {
  it('a deposed primary with a longer, diverged log does not ack the new primary\'s writes by seq', () => {
    // stress/shard-nemesis seed 28 (HEAD coordination client): d1c, primary before a partition,
    // kept writes of its own under seqs 1..n; made a syncing standby of d1b, it acked d1b's
    // writes "seq <= applied" before the snapshot came, was reported synced, and later
    // returned as the group's last in-sync member without keys d1b had acknowledged.
    const world = tinyWorld(5, (id, env) => (id === 'd2' ? new DataNode(env, 'g1', ['s1']) : new Probe(env)));
    const master = world.app<Probe>('s1')!;
    const client = world.app<Probe>('c1')!;
    const newPrimary = world.app<Probe>('d1')!;
    world.run(ms(10));
    master.send('d2', { type: 'shard.config', config: cfg({ primary: 'd2' }) });
    master.send('d2', { type: 'shard.ring', ring: ring({ primaries: { g1: 'd2' } }) });
    world.run(ms(20));
    for (let i = 1; i <= 5; i++) client.send('d2', { type: 'shard.put', req: i, group: 'g1', key: `old${i}`, value: 'x' });
    world.run(ms(40));
    expect(world.app<DataNode>('d2')!.appliedSeq()).toBe(5);
    const c2 = cfg({ epoch: [2, 1], primary: 'd1', syncing: ['d2'] });
    master.send('d2', { type: 'shard.config', config: c2 });
    world.run(ms(50));
    newPrimary.send('d2', { type: 'shard.repl', epoch: c2.epoch, seq: 1, key: 'new1', value: 'y' });
    world.run(ms(60));
    expect(newPrimary.of('shard.repl.ack')).toEqual([]);
    expect(newPrimary.of('shard.sync.req').length).toBeGreaterThan(0);
    newPrimary.send('d2', { type: 'shard.sync.snap', epoch: c2.epoch, seq: 1, entries: [['new1', 'y']] });
    world.run(ms(70));
    expect(newPrimary.of('shard.repl.ack')).toMatchObject([{ seq: 1 }]);
    expect(world.app<DataNode>('d2')!.read('new1')).toBe('y');
    expect(world.app<DataNode>('d2')!.read('old1')).toBeUndefined();
    newPrimary.send('d2', { type: 'shard.repl', epoch: c2.epoch, seq: 2, key: 'new2', value: 'z' });
    world.run(ms(80));
    expect(newPrimary.of('shard.repl.ack')).toMatchObject([{ seq: 1 }, { seq: 2 }]);
  });
});

describe('bug 3: a new master takes the placement from the coordination store, not from heartbeats', () => {
  it('never promotes a standby that was paused through its removal (it reports a stale configuration)', () => {
    for (const seed of [61, 62, 63]) {
      const c = shardCluster(seed);
      c.world.run(sec(12));
      c.workload(sec(12), sec(60), WRITE_EVERY);
      c.world.run(sec(14));
      const p = c.primaryOf('g1')!;
      const [a, b] = GROUPS.g1!.filter((n) => n !== p) as [NodeId, NodeId];
      const masterId = SERVERS.find((s) => c.world.app(s) === c.master())!;
      // b sleeps through its removal: it still believes it is an in-sync standby of p
      c.world.inject({ kind: 'pause', node: b, for: sec(8) });
      c.world.run(sec(21.9));
      expect(c.master()!.configs().find((x) => x.group === 'g1')!.standbys).not.toContain(b);
      // the master, p and a go down together just before b wakes up; only b (stale) is heard
      c.world.inject({ kind: 'crash', node: masterId, for: sec(30) });
      c.world.inject({ kind: 'crash', node: p, for: sec(20) });
      c.world.inject({ kind: 'crash', node: a, for: sec(20) });
      c.world.run(sec(40));
      const promoted = c.master()!.changes.filter((x) => x.kind === 'primary' && x.group === 'g1').map((x) => (x as { node: NodeId }).node);
      expect(promoted, `seed ${seed}`).not.toContain(b);
      c.world.run(sec(70));
      expect(c.primaryOf('g1'), `seed ${seed}`).toBeDefined();
      expect(lostWrites(c), `seed ${seed}`).toEqual([]);
    }
  });
});

describe('bug 3b: only the master working from the latest stored placement changes it', () => {
  it('a master whose store was overwritten by a newer master pushes nothing and steps back', () => {
    const c = shardCluster(64);
    c.world.run(sec(12));
    const m = c.master()!;
    const stored = c.registry.value('/shard/placement')!;
    // A newer master (term 999) wrote the placement: the same groups, its own epochs.
    const st = JSON.parse(stored) as { configs: GroupConfig[]; ring: RingState };
    c.registry.overwrite('/shard/placement', JSON.stringify({ configs: st.configs.map((x) => ({ ...x, epoch: [999, 1] })), ring: { ...st.ring, rev: [999, 1] } }));
    const since = c.world.now();
    const pushed: string[] = [];
    c.world.on((ev) => { if (ev.kind === 'shard.config' && ev.t > since) pushed.push(`${ev.node} ${ev['epoch']}`); });
    // a change the old master would make and push: a standby of g1 dies
    const p = c.primaryOf('g1')!;
    c.world.inject({ kind: 'crash', node: GROUPS.g1!.find((n) => n !== p)! });
    c.world.run(sec(20));
    expect(pushed).toEqual([]);
    expect(m.isMaster()).toBe(false);
  });
});

/** A TreeClient stub: one directory, sessions, scripted failures. */
class StubTree {
  readonly nodes = new Map<string, { data: string; owner: string }>();
  seq = 0;
  failGetData: string | null = null;
  /** The next create happens but its answer is lost (ConnectionLoss). */
  loseNextCreateAnswer = false;
  creates = 0;
  constructor(private readonly session: string) {}
  sessionId() { return this.session; }
  state() { return 'connected' as const; }
  create(path: string, data: string, mode: string, cb: (err: never | null, path?: string) => void) {
    if (mode === 'persistent') return cb(this.nodes.has(path) || path === '/shard' || path === '/shard/servers' ? ('NodeExists' as never) : null, path);
    this.creates++;
    const full = `${path}${String(this.seq++).padStart(10, '0')}`;
    this.nodes.set(full, { data, owner: this.session });
    if (this.loseNextCreateAnswer) {
      this.loseNextCreateAnswer = false;
      return cb('ConnectionLoss' as never);
    }
    cb(null, full);
  }
  getChildren(dir: string, _w: unknown, cb: (err: never | null, children?: string[]) => void) {
    cb(null, [...this.nodes.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)));
  }
  getData(path: string, _w: unknown, cb: (err: never | null, data?: string, stat?: { ephemeralOwner: string }) => void) {
    if (this.failGetData) return cb(this.failGetData as never);
    const n = this.nodes.get(path);
    if (!n) return cb('NoNode' as never);
    cb(null, n.data, { ephemeralOwner: n.owner });
  }
}

describe('bug 4: master election never stalls on registry errors', () => {
  it('a failed read of an entry fails the list instead of dropping the entry', () => {
    const tree = new StubTree('sess-1');
    const reg = new TreeRegistry(() => tree as unknown as TreeClient);
    let first: RegisterResult | undefined;
    reg.register('/shard/servers', 'server-', 's1', (r) => { first = r; });
    expect(first).toMatchObject({ ok: true });
    tree.failGetData = 'ConnectionLoss';
    let listed: ListResult | undefined;
    reg.list('/shard/servers', () => {}, (r) => { listed = r; });
    // before: { ok: true, children: [] } — the server then thought its session had ended and registered again
    expect(listed).toMatchObject({ ok: false });
  });

  it('registering again in the same session adopts the entry it already has (its create answer was lost)', () => {
    const tree = new StubTree('sess-1');
    const reg = new TreeRegistry(() => tree as unknown as TreeClient);
    tree.loseNextCreateAnswer = true;
    let r1: RegisterResult | undefined;
    reg.register('/shard/servers', 'server-', 's1', (r) => { r1 = r; });
    expect(r1).toMatchObject({ ok: false });
    let r2: RegisterResult | undefined;
    reg.register('/shard/servers', 'server-', 's1', (r) => { r2 = r; });
    expect(r2).toEqual({ ok: true, name: 'server-0000000000' });
    expect(tree.creates).toBe(1);
    // a second session does get its own entry
    const other = new StubTree('sess-2');
    for (const [k, v] of tree.nodes) other.nodes.set(k, v);
    other.seq = tree.seq;
    let r3: RegisterResult | undefined;
    new TreeRegistry(() => other as unknown as TreeClient).register('/shard/servers', 'server-', 's2', (r) => { r3 = r; });
    expect(r3).toEqual({ ok: true, name: 'server-0000000001' });
  });

  it('an answer the registry never gives does not stall the election', () => {
    // A registry that loses the answer of the first list calls (as a lost reply on the HEAD tree client did).
    const c = shardCluster(71, sec(4), 'fake', false, (inner) => {
      let lose = 3;
      return { ...inner, list: (dir: string, changed: () => void, done: (r: ListResult) => void) => (lose-- > 0 ? undefined : inner.list(dir, changed, done)) } satisfies Registry;
    });
    const ok = c.world.runUntil(() => c.master() !== undefined && c.master()!.configs().length === 2, sec(30));
    expect(ok).toBe(true);
  });
});
