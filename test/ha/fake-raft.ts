/**
 * A stand-in for Raft in HA simulations until the real RaftNode lands: a world-level
 * sequencer. The leader is the first listed member that is up, not paused, and reaches a
 * majority of the members (itself included) over uncut links — so, as with Raft, a minority
 * side of a partition can never commit. A proposal commits `commitUs` later if its proposer
 * is still leader, and is applied in log order to every up node's state machine; a node
 * that restarts replays the whole log. No election delay: leader changes are instant.
 */
import type { Micros, NodeId } from '../../src/core/env.ts';
import type { HaCommand, HaReplicator, HaStateMachine } from '../../src/core/ha/index.ts';
import type { ProposeResult } from '../../src/core/raft/api.ts';
import type { World } from '../../src/sim/index.ts';

export class FakeRaft {
  readonly log: HaCommand[] = [];
  private readonly replicas = new Map<NodeId, { sm: HaStateMachine; applied: number }>();

  constructor(
    private readonly world: World,
    private readonly members: readonly NodeId[],
    private readonly commitUs: Micros,
  ) {}

  leader(): NodeId | undefined {
    const t = this.world.topology;
    const net = this.world.network;
    const alive = this.members.filter((m) => this.world.isUp(m) && !this.world.isPaused(m));
    const majority = Math.floor(this.members.length / 2) + 1;
    return alive.find((m) => {
      const reach = alive.filter((o) => o === m || (!net.isCut(t.index(m), t.index(o)) && !net.isCut(t.index(o), t.index(m))));
      return reach.length >= majority;
    });
  }

  /** Registers node's fresh state machine (at every boot) and replays the log into it. */
  attach(node: NodeId, sm: HaStateMachine): HaReplicator {
    this.replicas.set(node, { sm, applied: 0 });
    this.catchUp(node);
    return {
      isLeader: () => this.leader() === node,
      propose: (command: HaCommand, done: (r: ProposeResult<unknown>) => void) => {
        if (this.leader() !== node) {
          done({ ok: false, error: 'not-leader', leader: this.leader() });
          return;
        }
        this.world.after(this.commitUs, () => {
          if (this.leader() !== node || this.replicas.get(node)?.sm !== sm) {
            done({ ok: false, error: 'unknown-outcome' });
            return;
          }
          this.log.push(command);
          const index = this.log.length;
          for (const m of this.members) if (this.world.isUp(m)) this.catchUp(m);
          done({ ok: true, index, term: 1, result: undefined });
        });
      },
    };
  }

  /** Client-side write (setup commands), committed at once. */
  write(command: HaCommand): void {
    this.log.push(command);
    for (const m of this.members) if (this.world.isUp(m)) this.catchUp(m);
  }

  private catchUp(node: NodeId): void {
    const r = this.replicas.get(node);
    if (!r) return;
    while (r.applied < this.log.length) {
      r.applied++;
      r.sm.apply(this.log[r.applied - 1]!, { index: r.applied, term: 1 });
    }
  }
}
