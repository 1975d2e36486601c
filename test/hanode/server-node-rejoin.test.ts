/**
 * Issue 14, bug b, in the simulator: a server restarted without any seed (hanode's
 * `--bootstrap-expect 3` and no `--join`) after the others had declared it dead and reaped it
 * finds them again from the peers it remembers (src/core/node/known-peers.ts). The simulated
 * network needs no addresses, so Raft alone would reconnect; what the simulator can see is
 * gossip membership, which on main stayed split forever: the restarted node alone, the others
 * without it.
 */
import { describe, expect, it } from 'vitest';
import { World } from '../../src/sim/index.ts';
import { sec } from '../../src/core/env.ts';
import { ServerNode } from '../../src/core/node/index.ts';

const NODES = ['n1', 'n2', 'n3'];
/** The one region and DC these tests run in. */
const EU = { region: 'eu', dc: 'eu-1' } as const;

function alive(world: World, n: string): string[] {
  return world
    .app<ServerNode>(n)!
    .members()
    .filter((m) => m.status === 'alive')
    .map((m) => m.node)
    .sort();
}

describe('a server restarted without seeds rejoins from the peers it remembers', () => {
  it('after being reaped by the others, n3 comes back with no seeds and every node sees all three alive', () => {
    const world = World.lan(NODES, 5, EU);
    // First boot: n2 and n3 join through n1 (--join); a restart of n3 passes no seed at all.
    world.setup((ctx) => {
      const seeds = ctx.id === 'n1' || (ctx.id === 'n3' && ctx.restarts > 0) ? [] : ['n1'];
      return new ServerNode(ctx, { bootstrapExpect: 3, swim: { profile: 'local', seeds }, card: { host: ctx.id } });
    });
    world.start();
    expect(world.runUntil(() => NODES.every((n) => alive(world, n).length === 3), sec(20))).toBe(true);
    world.inject({ kind: 'crash', node: 'n3' });
    // Away long enough to be reaped: nobody lists n3 any more (gossip-to-the-dead time passed).
    expect(world.runUntil(() => ['n1', 'n2'].every((n) => !world.app<ServerNode>(n)!.members().some((m) => m.node === 'n3')), world.now() + sec(120))).toBe(true);
    world.runFor(sec(10));
    world.inject({ kind: 'restart', node: 'n3' });
    expect(world.runUntil(() => NODES.every((n) => alive(world, n).length === 3), world.now() + sec(60))).toBe(true);
    expect(alive(world, 'n3')).toEqual(NODES);
  });
});
