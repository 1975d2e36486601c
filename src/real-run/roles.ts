/**
 * Role selectors in a real run, resolved by the SAME resolver as in the simulator
 * (src/sim/roles.ts: resolveRoles, every selector: leader, followers, a-follower, leader-dc,
 * leader-region, minority-with-leader, majority-without-leader). What differs is only where
 * the view comes from: here each running agent is asked its Raft state (GET /v1/agent/self,
 * raft-watch.ts) just before the fault fires; an agent that says it leads claims leadership
 * in its term, and the resolver picks the highest term as in the simulator.
 */
import type { NodeId } from '../core/env.ts';
import { resolveRoles, setRoleOracle, usesRoles, type Resolution } from '../sim/roles.ts';
import { Topology } from '../sim/topology.ts';
import type { Fault } from '../sim/types.ts';
import type { TopologySpec } from '../sim/types.ts';
import type { ClientNodes } from './client-nodes.ts';
import type { RealCluster } from './cluster.ts';
import { askRaftState, type RaftSample } from './raft-watch.ts';
import { sleep } from '../hanode/launcher.ts';

/** How long a role selector may wait for the agents to name a leader: a few election timeouts (Raft paper §9.3: 150-300 ms), on a loaded machine. */
const RESOLVE_PATIENCE_MS = 3_000;
/** Between two asks. */
const RESOLVE_RETRY_MS = 250;

export class RealRoleView {
  readonly topology: Topology;
  /** Node → its term, for agents that say they lead. */
  private claims = new Map<NodeId, number>();

  constructor(
    spec: TopologySpec,
    private readonly cluster: RealCluster,
    private readonly clients: ClientNodes | undefined,
    private readonly t0: number,
  ) {
    this.topology = new Topology(spec);
    const voters = cluster.nodes.map((n) => n.name);
    setRoleOracle(this, {
      voters: () => voters,
      leaderClaim: (n) => (this.claims.has(n) ? { term: this.claims.get(n)! } : undefined),
    });
  }

  /** The simulator's RoleWorld: µs since the run started; up = running and not paused. */
  now(): number {
    return Math.round((performance.now() - this.t0) * 1000);
  }

  isUp(id: NodeId): boolean {
    const s = this.cluster.nodes.find((n) => n.name === id);
    if (s) return s.state === 'up';
    return this.clients?.isUp(id) ?? false;
  }

  /** Asks every running agent its Raft state (raft-watch.ts). */
  async refresh(): Promise<void> {
    const got = await Promise.all(this.cluster.nodes.map((n) => (n.state === 'up' ? askRaftState(this.cluster.http(n), n.name) : undefined)));
    this.see(got.filter((s): s is RaftSample => s !== undefined));
  }

  /** Takes the agents' reports as the view the resolver reads: who says it leads, in which term. */
  see(samples: readonly RaftSample[]): void {
    this.claims = new Map(samples.filter((s) => s.leader).map((s) => [s.node, s.term] as const));
  }

  /** The current leader's name (after refresh), by the resolver's own rule. */
  async leader(): Promise<NodeId | undefined> {
    const r = await this.resolve({ kind: 'crash', node: 'leader' });
    return r.ok && r.fault.kind === 'crash' ? r.fault.node : undefined;
  }

  /**
   * The fault with its role selectors replaced by what they name now (asks the agents first).
   * An agent that does not answer in time (a loaded machine) or a moment without a leader (an
   * election under way) is asked again, every RESOLVE_RETRY_MS for up to RESOLVE_PATIENCE_MS:
   * the simulator reads its roles at the instant, a real run can only observe them, and a slow
   * observation should not drop the fault. What still does not resolve is skipped, with why.
   */
  async resolve(f: Fault): Promise<Resolution> {
    if (!usesRoles(f, this.topology)) return { ok: true, fault: f };
    let r: Resolution = { ok: false, reason: 'not asked' };
    for (let waited = 0; waited <= RESOLVE_PATIENCE_MS; waited += RESOLVE_RETRY_MS) {
      if (waited > 0) await sleep(RESOLVE_RETRY_MS);
      await this.refresh();
      r = resolveRoles(this, f);
      if (r.ok) return r;
    }
    return r;
  }
}
