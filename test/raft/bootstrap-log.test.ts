// Dissertation §4 / hashicorp/raft BootstrapCluster: the bootstrap membership must reach the
// log. Servers that start with no voters (joining an existing cluster, as hanode's --join does)
// learn who the voters are only from replicated configuration entries; if the bootstrap list
// stays in the first leader's memory, they can never campaign and the cluster cannot survive
// the loss of that leader.
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { RaftNode } from '../../src/core/raft/index.ts';
import { RaftSafetyChecker } from '../../src/sim/checkers/raft-safety.ts';
import { World } from '../../src/sim/index.ts';
import { ListSM } from './cluster.ts';

describe('bootstrap membership is logged', () => {
  it('servers started with no voters learn the membership from the log and take over when the leader dies', () => {
    const world = World.lan(['n1', 'n2', 'n3'], 5);
    const checker = new RaftSafetyChecker();
    world.setup((ctx) => {
      // Only n1 is bootstrapped with the voter list; n2 and n3 start empty, as joiners do.
      const raft = new RaftNode<string, number>(ctx.env('raft'), new ListSM(), { voters: ctx.id === 'n1' ? ['n1', 'n2', 'n3'] : [] });
      checker.attach(raft);
      return { raft, start: () => raft.start() };
    });
    world.start();
    const raftOf = (id: string) => world.app<{ raft: RaftNode<string, number> }>(id)?.raft;
    expect(world.runUntil(() => raftOf('n1')?.isLeader() === true && (raftOf('n3')?.commitIndex() ?? 0) >= 2, sec(10))).toBe(true);
    expect(raftOf('n2')!.membership().voters).toEqual(['n1', 'n2', 'n3']);
    expect(raftOf('n3')!.membership().voters).toEqual(['n1', 'n2', 'n3']);
    world.inject({ kind: 'crash', node: 'n1' });
    const newLeader = () => ['n2', 'n3'].find((id) => raftOf(id)?.isLeader());
    expect(world.runUntil(() => newLeader() !== undefined, world.now() + sec(5))).toBe(true);
    let written = false;
    raftOf(newLeader()!)!.propose('after-failover', (r) => (written = r.ok));
    world.runFor(ms(500));
    expect(written).toBe(true);
  });
});
