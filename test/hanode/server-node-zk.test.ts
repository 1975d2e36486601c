/**
 * The assembly `hanode --zk` runs (ServerNode with its tree server), in the simulator: a
 * simulated ZooKeeper client keeps its session and ephemeral across the crash of its server,
 * and loses the ephemeral once its own node dies and the session times out; and the
 * in-process endpoint the wire gateway uses (TreeServer.attachLocal) opens a session and
 * writes through a follower.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { ZkClientHost, type ServerToClient, type ZkClient } from '../../src/core/coord/tree/index.ts';
import { ServerNode } from '../../src/core/node/index.ts';
import { World } from '../../src/sim/index.ts';

const SERVERS = ['n1', 'n2', 'n3'];
/** The one region and DC these tests run in. */
const EU = { region: 'eu', dc: 'eu-1' } as const;

type App = ServerNode | { zk: ZkClientHost };

function cluster(seed: number): World {
  const world = World.lan([...SERVERS, 'c1'], seed, EU);
  world.setup((ctx): App => (ctx.id === 'c1' ? { zk: new ZkClientHost(ctx.env('zk')) } : new ServerNode(ctx, { voters: SERVERS, zk: true, swim: { profile: 'local', seeds: SERVERS }, card: { host: ctx.id } })));
  world.start();
  const leader = () => SERVERS.find((n) => world.isUp(n) && (world.app<ServerNode>(n)?.replicator.isLeader() ?? false));
  expect(world.runUntil(() => leader() !== undefined && SERVERS.every((n) => world.app<ServerNode>(n)!.replicator.leader() !== undefined), sec(10))).toBe(true);
  return world;
}

describe('ServerNode with zk: true in the simulator', () => {
  it('a session and its ephemeral survive the crash of its server, and die with the client', () => {
    const world = cluster(3);
    const client: ZkClient = world.app<{ zk: ZkClientHost }>('c1')!.zk.client(SERVERS, { sessionTimeoutUs: sec(4) });
    expect(world.runUntil(() => client.state() === 'connected', world.now() + sec(5))).toBe(true);
    const session = client.sessionId();
    let created: string | undefined;
    client.create('/eph', 'x', 'ephemeral', (err, path) => (created = err ?? path));
    expect(world.runUntil(() => created !== undefined, world.now() + sec(5))).toBe(true);
    expect(created).toBe('/eph');
    const server = client.currentServer()!;
    world.crash(server);
    world.runFor(sec(6));
    expect(client.state()).toBe('connected');
    expect(client.sessionId()).toBe(session);
    expect(client.currentServer()).not.toBe(server);
    const alive = SERVERS.find((n) => world.isUp(n))!;
    expect(world.app<ServerNode>(alive)!.store.tree.exists('/eph')?.ephemeralOwner).toBe(session);
    // The client's node dies: no more pings; the session expires (4 s) and the ephemeral with it.
    world.crash('c1');
    world.runFor(sec(2));
    expect(world.app<ServerNode>(alive)!.store.tree.exists('/eph')).toBeDefined();
    expect(world.runUntil(() => world.app<ServerNode>(alive)!.store.tree.exists('/eph') === undefined, world.now() + sec(15))).toBe(true);
  });

  it('an in-process endpoint (the wire gateway) opens a session and writes through a follower', () => {
    const world = cluster(5);
    const follower = SERVERS.find((n) => !world.app<ServerNode>(n)!.replicator.isLeader())!;
    const ts = world.app<ServerNode>(follower)!.coord.treeServer!;
    const got: ServerToClient[] = [];
    const send = ts.attachLocal('\u0000gw', (m) => got.push(m));
    send({ type: 'zk.connect', cid: 'g1', conn: 1, timeoutUs: sec(6), lastZxid: 0, watches: [] });
    expect(world.runUntil(() => got.some((m) => m.type === 'zk.connected'), world.now() + sec(5))).toBe(true);
    const connected = got.find((m) => m.type === 'zk.connected') as Extract<ServerToClient, { type: 'zk.connected' }>;
    send({ type: 'zk.req', cid: 'g1', conn: 1, seq: 0, session: connected.session, xid: 1, req: { op: 'create', path: '/gw', data: 'd', mode: 'persistent' } });
    expect(world.runUntil(() => got.some((m) => m.type === 'zk.res'), world.now() + sec(5))).toBe(true);
    const res = got.find((m) => m.type === 'zk.res') as Extract<ServerToClient, { type: 'zk.res' }>;
    expect(res.reply).toMatchObject({ ok: true, op: 'create', path: '/gw' });
    // The reply came after the follower applied the write: a read there sees it.
    expect(world.app<ServerNode>(follower)!.store.tree.getData('/gw')?.data).toBe('d');
    world.runFor(ms(100));
  });
});
