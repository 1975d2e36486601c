/**
 * Role selectors in a real run, resolved by the SAME resolver as in the simulator
 * (src/sim/roles.ts: resolveRoles, every selector: leader, followers, a-follower, leader-dc,
 * leader-region, minority-with-leader, majority-without-leader). What differs is only where
 * the view comes from: here each running agent is asked GET /v1/status/leader just before the
 * fault fires, and an agent "claims" leadership when it names itself. The claim's weight
 * (the `term` the resolver uses to pick among several claimants) is how many agents name that
 * node: the agents do not publish their Raft term on that path, and the claimant a majority
 * follows is the one the simulator's "highest term" picks in a settled cluster.
 */
import type { NodeId } from '../core/env.ts';
import { resolveRoles, setRoleOracle, usesRoles, type Resolution } from '../sim/roles.ts';
import { Topology } from '../sim/topology.ts';
import type { Fault } from '../sim/types.ts';
import type { TopologySpec } from '../sim/types.ts';
import type { ClientNodes } from './client-nodes.ts';
import type { RealCluster } from './cluster.ts';
import { httpCall } from './http-call.ts';

/** Bound on one leader question: a paused or cut-off agent just does not count. */
const ASK_TIMEOUT_MS = 2000;

export class RealRoleView {
  readonly topology: Topology;
  /** Node → how many agents name it leader, for nodes that name themselves. */
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

  /** Asks every running agent whom it follows. */
  async refresh(): Promise<void> {
    const answers = await Promise.all(
      this.cluster.nodes.map(async (n) => {
        if (n.state !== 'up') return undefined;
        const a = await httpCall('GET', `http://${this.cluster.http(n)}/v1/status/leader`, { timeoutMs: ASK_TIMEOUT_MS });
        if (typeof a === 'string' || a.status !== 200) return undefined;
        let addr: unknown;
        try {
          addr = JSON.parse(a.text);
        } catch {
          return undefined;
        }
        if (typeof addr !== 'string') return undefined;
        const host = addr.split(':')[0];
        return { from: n.name, leader: this.cluster.nodes.find((x) => x.addr === host)?.name };
      }),
    );
    this.see(answers.filter((a): a is { from: NodeId; leader: NodeId | undefined } => a !== undefined));
  }

  /** Takes the agents' answers (who each names leader) as the view the resolver reads. */
  see(answers: readonly { readonly from: NodeId; readonly leader: NodeId | undefined }[]): void {
    const votes = new Map<NodeId, number>();
    for (const a of answers) if (a?.leader !== undefined) votes.set(a.leader, (votes.get(a.leader) ?? 0) + 1);
    const claims = new Map<NodeId, number>();
    // A claim is a node naming itself; its weight is how many name it.
    for (const a of answers) if (a?.leader !== undefined && a.leader === a.from) claims.set(a.from, votes.get(a.from)!);
    this.claims = claims;
  }

  /** The current leader's name (after refresh), by the resolver's own rule. */
  async leader(): Promise<NodeId | undefined> {
    const r = await this.resolve({ kind: 'crash', node: 'leader' });
    return r.ok && r.fault.kind === 'crash' ? r.fault.node : undefined;
  }

  /** The fault with its role selectors replaced by what they name now (asks the agents first). */
  async resolve(f: Fault): Promise<Resolution> {
    if (!usesRoles(f, this.topology)) return { ok: true, fault: f };
    await this.refresh();
    return resolveRoles(this, f);
  }
}
