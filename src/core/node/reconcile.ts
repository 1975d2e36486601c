/**
 * The leader's reconciliation of gossip membership into the replicated state, as Consul's
 * leader does (agent/consul/leader.go reconcileMember):
 * - every SWIM member is a catalog node with a `serfHealth` check: passing while alive,
 *   critical once failed (which invalidates the sessions bound to it), removed when it left;
 * - servers that joined the gossip pool are added to Raft (Consul's autopilot adds new
 *   servers as non-voters and promotes them once stable; our Raft's addServer promotes a
 *   learner once it caught up), and servers that left gracefully are removed.
 * Runs only while this node leads; proposals are bounded by comparing against the catalog
 * first, and one membership change at a time (Raft refuses more anyway).
 */
import { assert, ms, type Env, type Timer } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { RaftNode } from '../raft/index.ts';
import { isMember } from '../raft/index.ts';
import type { CoordStore, StoreCommandBody, StoreResult } from '../store/index.ts';
import type { MemberInfo } from '../swim/index.ts';
import { SERF_HEALTH_CHECK } from '../coord/config.ts';

/**
 * Period of the full reconcile pass. Consul runs reconcile every ReconcileInterval = 60 s
 * plus on every member event; events drive us too, the pass only repairs what a lost
 * proposal left behind, so a shorter 5 s keeps a loopback cluster converging quickly.
 */
export const RECONCILE_INTERVAL_US = ms(5000);
/** Bound on proposals one pass makes (the next pass continues). */
const MAX_PROPOSALS_PER_PASS = 64;

export interface ReconcileSource {
  members(): readonly MemberInfo[];
  /** Is this member a server (a Raft voter candidate)? Consul reads the serf tag role=consul. */
  isServer(m: MemberInfo): boolean;
  /** The address to register in the catalog. */
  addressOf(m: MemberInfo): string;
}

export class Reconciler {
  private active = false;
  private timer: Timer | undefined;
  private changingMembership = false;

  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<import('../store/index.ts').StoreCommand, StoreResult>,
    private readonly raftNode: () => Pick<RaftNode, 'membership' | 'addServer' | 'removeServer'> | undefined,
    private readonly store: CoordStore,
    private readonly source: ReconcileSource,
    private readonly propose: (cmd: StoreCommandBody, done: (ok: boolean) => void) => void,
  ) {}

  setLeader(leader: boolean): void {
    if (leader === this.active) return;
    this.active = leader;
    this.timer?.cancel();
    this.timer = undefined;
    if (leader) this.schedule(0);
  }

  /** A member event: reconcile soon (coalesced). */
  poke(): void {
    if (this.active && this.timer === undefined) this.schedule(0);
  }

  stop(): void {
    this.setLeader(false);
  }

  private schedule(delayUs: number): void {
    this.timer = this.env.after(delayUs, () => {
      this.timer = undefined;
      if (!this.active) return;
      this.pass();
      if (this.active && this.timer === undefined) this.schedule(RECONCILE_INTERVAL_US);
    });
  }

  private pass(): void {
    let budget = MAX_PROPOSALS_PER_PASS;
    const cat = this.store.catalog;
    for (const m of this.source.members()) {
      if (budget <= 0) break;
      const want = m.status === 'alive' || m.status === 'suspect' ? 'passing' : m.status === 'dead' ? 'critical' : 'left';
      const node = cat.getNode(m.node);
      const status = cat.checkStatus(m.node, SERF_HEALTH_CHECK);
      const address = this.source.addressOf(m);
      if (want === 'left') {
        if (node && m.node !== this.env.self) {
          budget--;
          this.propose({ type: 'catalog.deregister', node: m.node }, () => {});
        }
        continue;
      }
      if (!node || node.address !== address || status === undefined) {
        budget--;
        this.propose(
          {
            type: 'catalog.register',
            node: m.node,
            address,
            checks: [{ checkId: SERF_HEALTH_CHECK, name: 'Serf Health Status', status: want, output: want === 'passing' ? 'Agent alive and reachable' : 'Agent not live or unreachable' }],
          },
          () => {},
        );
      } else if (status !== want) {
        budget--;
        this.propose(
          { type: 'check.update', node: m.node, checkId: SERF_HEALTH_CHECK, status: want, output: want === 'passing' ? 'Agent alive and reachable' : 'Agent not live or unreachable' },
          () => {},
        );
      }
    }
    assert(budget >= 0 && budget <= MAX_PROPOSALS_PER_PASS, 'reconcile: proposal budget out of bounds');
    this.reconcileRaft();
  }

  /** One Raft membership change at a time: add a live server, or remove one that left. */
  private reconcileRaft(): void {
    const node = this.raftNode();
    if (!node || !this.raft.isLeader() || this.changingMembership) return;
    const m = node.membership();
    for (const mem of this.source.members()) {
      if (!this.source.isServer(mem)) continue;
      const member = isMember(m, mem.node);
      let change: ((done: (r: { ok: boolean }) => void) => void) | undefined;
      if (!member && mem.status === 'alive') change = (d) => node.addServer(mem.node, d);
      else if (member && mem.status === 'left' && mem.node !== this.env.self) change = (d) => node.removeServer(mem.node, d);
      if (!change) continue;
      this.changingMembership = true;
      this.env.trace('node.raft-change', { node: mem.node, status: mem.status });
      change((r) => {
        this.changingMembership = false;
        if (r.ok) this.poke();
      });
      return;
    }
  }
}
