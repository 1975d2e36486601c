import { describe, expect, it } from 'vitest';
import { World } from '../../src/sim/index.ts';
import { ms, sec } from '../../src/core/env.ts';
import { KvStateMachine, type KvCommand, type KvCommandResult, type KvEntry } from '../../src/core/kv/index.ts';
import { KvServer, KV_SERVICE } from '../../src/core/kvserver/index.ts';
import { KvClient, type KvOutcome } from '../../src/core/kvclient/index.ts';
import { FakeReplicator, type FakeMode } from './fake-replicator.ts';

interface ServerApp {
  sm: KvStateMachine;
  raft: FakeReplicator<KvCommand, KvCommandResult>;
  server: KvServer;
}
interface ClientApp {
  client: KvClient;
}

function cluster(modes: Record<string, FakeMode>, clientCfg: Partial<ConstructorParameters<typeof KvClient>[1]> = {}) {
  const servers = Object.keys(modes);
  const world = World.lan([...servers, 'c1'], 7, { dc: 'dc', latency: { sameDc: { kind: 'uniform', min: ms(0.2), max: ms(1) } } });
  world.setup((ctx) => {
    const env = ctx.env(KV_SERVICE);
    const sm = new KvStateMachine();
    const raft = new FakeReplicator<KvCommand, KvCommandResult>(env, sm, ms(2));
    raft.mode = modes[ctx.id]!;
    return { sm, raft, server: new KvServer(env, raft, sm.store) };
  }, servers);
  world.setup((ctx) => ({ client: new KvClient(ctx.env(KV_SERVICE), { servers, ...clientCfg }) }), ['c1']);
  world.start();
  const client = () => world.app<ClientApp>('c1')!.client;
  const server = (id: string) => world.app<ServerApp>(id)!;
  return { world, client, server };
}

/** Runs op on the client and the world until it answers (bounded by 30 virtual s). */
function run<R>(world: World, op: (done: (o: KvOutcome<R>) => void) => void): KvOutcome<R> {
  let out: KvOutcome<R> | undefined;
  world.after(0, () => op((o) => (out = o)));
  expect(world.runUntil(() => out !== undefined, world.now() + sec(30))).toBe(true);
  return out!;
}

describe('KV server + client', () => {
  it('put, get, cas and delete against a leader', () => {
    const { world, client } = cluster({ n1: { kind: 'leader' } });
    expect(run(world, (d) => client().put('k', 'v1', d))).toMatchObject({ type: 'ok', result: { type: 'put', entry: { value: 'v1', createIndex: 1 } } });
    expect(run<KvEntry | null>(world, (d) => client().get('k', d))).toMatchObject({ type: 'ok', result: { value: 'v1' } });
    expect(run(world, (d) => client().cas('k', { value: 'zz' }, 'v2', d))).toMatchObject({ type: 'fail', error: 'cas-mismatch' });
    expect(run(world, (d) => client().cas('k', { value: 'v1' }, 'v2', d))).toMatchObject({ type: 'ok' });
    expect(run(world, (d) => client().delete('k', d))).toMatchObject({ type: 'ok', result: { prev: { value: 'v2' } } });
    expect(run<KvEntry | null>(world, (d) => client().get('k', d))).toMatchObject({ type: 'ok', result: null });
  });

  it('a follower answers not-leader with a hint and the client follows it', () => {
    const { world, client, server } = cluster({ n1: { kind: 'follower', leader: 'n2' }, n2: { kind: 'leader' } });
    expect(run(world, (d) => client().put('k', 'v', d))).toMatchObject({ type: 'ok' });
    expect(server('n1').server.stats.notLeader).toBe(1);
    expect(server('n2').sm.store.get('k')?.value).toBe('v');
    // The client now sticks to the leader: no further redirect.
    expect(run(world, (d) => client().put('k', 'w', d))).toMatchObject({ type: 'ok' });
    expect(server('n1').server.stats.requests).toBe(1);
  });

  it('a write refused by every node before proposing is a definite fail', () => {
    const { world, client } = cluster({ n1: { kind: 'follower' }, n2: { kind: 'follower' } }, { opTimeoutUs: sec(1) });
    expect(run(world, (d) => client().put('k', 'v', d))).toMatchObject({ type: 'fail', error: 'not-leader' });
  });

  it('an unanswered write is info (unknown); an unanswered read is fail', () => {
    const { world, client } = cluster({ n1: { kind: 'black-hole' } }, { attemptTimeoutUs: ms(200), opTimeoutUs: sec(1) });
    expect(run(world, (d) => client().put('k', 'v', d))).toMatchObject({ type: 'info', error: 'timeout' });
    expect(run(world, (d) => client().get('k', d))).toMatchObject({ type: 'fail' });
  });

  it('a retry after unknown-outcome is deduplicated: applied once, answered ok', () => {
    const { world, client, server } = cluster({ n1: { kind: 'orphan-applied' } });
    let out: KvOutcome<KvCommandResult> | undefined;
    world.after(0, () => client().put('k', 'v', (o) => (out = o)));
    world.runFor(ms(30)); // first attempt applied, answered unknown-outcome, retry under way
    server('n1').raft.mode = { kind: 'leader' };
    expect(world.runUntil(() => out !== undefined, sec(10))).toBe(true);
    expect(out).toMatchObject({ type: 'ok', result: { type: 'put', entry: { value: 'v', version: 1 } } });
    expect(server('n1').raft.applies).toBe(1);
    expect(server('n1').raft.proposals).toBeGreaterThanOrEqual(2);
  });

  it('a proposal Raft rejects for now is retried on the same node after a backoff', () => {
    const { world, client, server } = cluster({ n1: { kind: 'reject' } });
    let out: KvOutcome<KvCommandResult> | undefined;
    world.after(0, () => client().put('k', 'v', (o) => (out = o)));
    world.runFor(ms(100));
    expect(out).toBeUndefined();
    server('n1').raft.mode = { kind: 'leader' };
    expect(world.runUntil(() => out !== undefined, sec(10))).toBe(true);
    expect(out).toMatchObject({ type: 'ok' });
    expect(server('n1').raft.proposals).toBeGreaterThanOrEqual(3);
  });

  it('an unknown outcome that never resolves ends as info', () => {
    const { world, client } = cluster({ n1: { kind: 'orphan-dropped' } }, { opTimeoutUs: sec(1) });
    expect(run(world, (d) => client().put('k', 'v', d))).toMatchObject({ type: 'info', error: 'unknown-outcome' });
  });

  it('requests queue behind each other and complete in order', () => {
    const { world, client } = cluster({ n1: { kind: 'leader' } });
    const order: string[] = [];
    world.after(0, () => {
      for (const v of ['a', 'b', 'c']) client().put('k', v, () => order.push(v));
    });
    world.runFor(sec(1));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(run<KvEntry | null>(world, (d) => client().get('k', d))).toMatchObject({ result: { value: 'c', version: 3 } });
  });

  it('a client restarted gets a new client id, so its seq numbers never collide', () => {
    const { world, client } = cluster({ n1: { kind: 'leader' } });
    const first = client().clientId;
    world.inject({ kind: 'crash', node: 'c1' });
    world.inject({ kind: 'restart', node: 'c1' });
    world.runFor(ms(1));
    expect(client().clientId).not.toBe(first);
  });
});
