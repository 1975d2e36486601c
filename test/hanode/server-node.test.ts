/**
 * The composed server node in the simulator: the same composition hanode runs. Checks that
 * a cluster bootstraps (given voters, and Consul-style bootstrap_expect over SWIM), that
 * writes from any node commit (followers forward), that the leader reconciles members into
 * the catalog with serfHealth, and that a crashed leader is replaced without losing writes.
 */
import { describe, expect, it } from 'vitest';
import { World } from '../../src/sim/index.ts';
import { ms, sec } from '../../src/core/env.ts';
import { ServerNode } from '../../src/core/node/index.ts';
import type { ProposeOutcome } from '../../src/core/store/proposer.ts';
import { RecordingNotifier, type Probe } from '../../src/core/ha/index.ts';

const NODES = ['n1', 'n2', 'n3'];
/** The one region and DC these tests run in. */
const EU = { region: 'eu', dc: 'eu-1' } as const;

function leaderOf(world: World): string | undefined {
  for (const n of NODES) if (world.isUp(n) && world.app<ServerNode>(n)?.replicator.isLeader()) return n;
  return undefined;
}

describe('ServerNode in the simulator', () => {
  it('bootstraps with bootstrap_expect over SWIM, commits forwarded writes, reconciles the catalog', () => {
    const world = World.lan(NODES, 7, EU);
    world.setup((ctx) => new ServerNode(ctx, { bootstrapExpect: 3, swim: { profile: 'local', seeds: ['n1'] }, card: { host: ctx.id } }));
    world.start();
    // Every node knows the leader (followers learn it from its first heartbeat).
    expect(world.runUntil(() => leaderOf(world) !== undefined && NODES.every((n) => world.app<ServerNode>(n)!.replicator.leader() === leaderOf(world)), sec(20))).toBe(true);
    const follower = NODES.find((n) => n !== leaderOf(world))!;
    const results: ProposeOutcome[] = [];
    world.app<ServerNode>(follower)!.propose({ type: 'kv', cmd: { type: 'put', key: 'a', value: '1' } }, (r) => results.push(r));
    expect(world.runUntil(() => results.length === 1, world.now() + sec(5))).toBe(true);
    expect(results[0]!.ok).toBe(true);
    world.runFor(ms(500));
    for (const n of NODES) expect(world.app<ServerNode>(n)!.store.kv.get('a')?.value).toBe('1');
    // Every node agrees on the voters (a node must not end up following with an empty membership).
    for (const n of NODES) expect(world.app<ServerNode>(n)!.raft()!.membership().voters).toEqual(NODES);
    // Leader reconcile: every member is a catalog node with a passing serfHealth.
    expect(world.runUntil(() => NODES.every((n) => world.app<ServerNode>(leaderOf(world) ?? 'n1')?.store.catalog.checkStatus(n, 'serfHealth') === 'passing'), world.now() + sec(10))).toBe(true);
  });

  it('replaces a crashed leader; acknowledged writes survive; the restarted node catches up', () => {
    const world = World.lan(NODES, 11, { ...EU, network: { loss: 0.01, duplicate: 0, reorder: 0 } });
    world.setup((ctx) => new ServerNode(ctx, { voters: NODES, swim: { profile: 'local', seeds: ['n1', 'n2', 'n3'] }, card: { host: ctx.id } }));
    world.start();
    expect(world.runUntil(() => leaderOf(world) !== undefined, sec(10))).toBe(true);
    const acked: string[] = [];
    let next = 0;
    // A client writing through whichever node is up, one write every 20 ms.
    const tick = () => {
      const k = `k${next++}`;
      const via = NODES.find((n) => world.isUp(n))!;
      world.app<ServerNode>(via)?.propose({ type: 'kv', cmd: { type: 'put', key: k, value: 'v' } }, (r) => {
        if (r.ok) acked.push(k);
      });
      if (next < 200) world.after(ms(20), tick);
    };
    tick();
    world.runFor(sec(1));
    const old = leaderOf(world)!;
    world.inject({ kind: 'crash', node: old });
    expect(world.runUntil(() => { const l = leaderOf(world); return l !== undefined && l !== old; }, world.now() + sec(5))).toBe(true);
    world.runFor(sec(4));
    world.inject({ kind: 'restart', node: old });
    world.runFor(sec(3));
    expect(acked.length).toBeGreaterThan(100);
    for (const n of NODES) {
      const store = world.app<ServerNode>(n)!.store;
      for (const k of acked) expect(store.kv.get(k), `${k} on ${n}`).toBeDefined();
    }
  });

  it('runs the failover service: a target going down is declared once, by quorum, and notified on every node', () => {
    const world = World.lan(NODES, 3, EU);
    let targetUp = true;
    const probe: Probe = { check: (_t, _timeout, done) => (done(targetUp ? 'up' : 'down'), { cancel() {} }) };
    const notifiers = new Map<string, RecordingNotifier>();
    world.setup((ctx) => {
      const notify = new RecordingNotifier();
      notifiers.set(ctx.id, notify);
      return new ServerNode(ctx, {
        voters: NODES,
        swim: { profile: 'local', seeds: NODES },
        card: { host: ctx.id },
        ha: { probe, notify, config: { checkIntervalUs: sec(1), checkTimeoutUs: ms(500), failuresBeforeDown: 2, successesBeforeUp: 2 } },
      });
    });
    world.start();
    expect(world.runUntil(() => leaderOf(world) !== undefined && NODES.every((n) => world.app<ServerNode>(n)!.replicator.leader() === leaderOf(world)), sec(10))).toBe(true);
    let put = false;
    world.app<ServerNode>(leaderOf(world)!)!.proposeHa({ type: 'ha.target.put', key: 'db/eu-1', value: '10.0.0.1' }, (r) => (put = r.ok));
    world.runFor(sec(8));
    expect(put).toBe(true);
    targetUp = false;
    expect(world.runUntil(() => world.app<ServerNode>('n1')!.haState.health('db/eu-1') === 'down', world.now() + sec(30))).toBe(true);
    world.runFor(sec(2));
    for (const n of NODES) {
      const seen = notifiers.get(n)!.seen.filter((x) => x.key === 'db/eu-1' && x.state === 'down');
      expect(seen, `notifications on ${n}`).toHaveLength(1);
    }
    expect(world.app<ServerNode>('n2')!.haState.events().filter((e) => e.to === 'down')).toHaveLength(1);
  });

  it('bootstrap_expect 3 with 4 servers: the first three bootstrap, the fourth joins and is promoted', () => {
    const four = ['n1', 'n2', 'n3', 'n4'];
    const world = World.lan(four, 21, EU);
    world.setup((ctx) => new ServerNode(ctx, { bootstrapExpect: 3, swim: { profile: 'local', seeds: ['n1'] }, card: { host: ctx.id } }));
    world.start();
    const voters = (n: string) => world.app<ServerNode>(n)!.raft()?.membership().voters ?? [];
    expect(world.runUntil(() => four.every((n) => voters(n).length === 4), sec(60))).toBe(true);
    for (const n of four) expect(voters(n)).toEqual(four);
  });
});
