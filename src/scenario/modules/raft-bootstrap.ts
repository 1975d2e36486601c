/**
 * `raft: { bootstrap: expect }` — the servers find each other as hanode's do: each runs hanode's
 * ServerNode (src/core/node/server-node.ts: SWIM, hello, bootstrap_expect, the peers it
 * remembers, the leader's reconciler) with `--bootstrap-expect N` and `--join` on its first
 * boot. A restart passes no `--join` (the README's restart command) unless `restartJoin: true`:
 * the node must find the others again from what it remembers (issue 14: a node restarted that
 * way after 60 s away stayed alone forever).
 *
 *   raft:
 *     voters: [s1, s2, s3]
 *     bootstrap: expect      # or static (default: every voter starts with the full list)
 *     expect: 3              # --bootstrap-expect (default: the number of voters)
 *     join: [s1]             # --join on the first boot (default: the first voter)
 *     restartJoin: false     # whether restarts pass --join too
 *
 * members-converge: T — within T after the faults end, every live server lists every live
 * server alive in its gossip membership (what `hanode members` shows), and still does when
 * the window closes.
 *
 * Beside `swim:` the servers' own gossip takes that module's profile and timings (the module
 * builds SWIM only on the nodes that are not servers); beside `failover:` every server runs
 * ServerNode's HA service (hanode's `ha` options: probe, notifier, timings), every voter an
 * observer as in hanode (./server-options.ts carries both). No `learners:`: hanode has no
 * permanent non-voters; a server that joins a running cluster is added by the leader's
 * reconciler as a learner and promoted once caught up (src/core/node/reconcile.ts).
 */
import type { Env, NodeId } from '../../core/env.ts';
import { ServerNode } from '../../core/node/index.ts';
import type { RaftConfig } from '../../core/raft/index.ts';
import type { ExpectationDef, NodeSetupContext, ParseContext, RunContext, Scenario } from '../types.ts';
import { humanDuration } from '../units.ts';
import { verdict } from '../verdict.ts';
import type { View } from '../yaml-view.ts';
import type { WorldPort } from '../world-port.ts';
import { parseWithin, withinName, withinStartUs, type WithinParams } from './params.ts';
import { serverOptionsFor } from './server-options.ts';

export interface BootstrapConfig {
  readonly mode: 'expect';
  readonly expect: number;
  readonly join: readonly NodeId[];
  readonly restartJoin: boolean;
}

export function parseBootstrap(v: View, voters: readonly NodeId[], learners: readonly NodeId[], ctx: ParseContext): { bootstrap?: BootstrapConfig } {
  const modeV = v.get('bootstrap');
  const mode = modeV.present ? modeV.oneOf(['static', 'expect'] as const) : 'static';
  if (mode === 'static') {
    for (const k of ['expect', 'join', 'restartJoin']) if (v.get(k).present) v.get(k).fail('only with bootstrap: expect');
    return {};
  }
  // hanode has no permanent non-voters (Consul's non_voting_server is an Enterprise feature):
  // the reconciler adds a joining server as a learner and promotes it once caught up.
  if (learners.length > 0) v.get('learners').fail('learners are not modelled with bootstrap: expect (hanode has no permanent non-voters: its leader adds a joining server as a learner and promotes it once caught up)');
  const expect = v.get('expect').intOr(voters.length, 1, voters.length);
  const join = v.get('join').present ? ctx.topology.nodesOf(v.get('join')) : [voters[0]!];
  const stranger = join.find((j) => !voters.includes(j));
  if (stranger) v.get('join').fail(`node "${stranger}" is not a voter`);
  return { bootstrap: { mode, expect, join, restartJoin: v.get('restartJoin').boolOr(false) } };
}

export const bootstrapExpectations: Record<string, ExpectationDef> = {
  'members-converge': {
    parse: parseWithin,
    name: (p) => withinName("every live server lists every live server alive (hanode's gossip members)", p as WithinParams),
  },
};

/** How often members-converge looks (virtual time). */
const CONVERGE_CHECK_US = 100_000;

/** The ServerNodes of one run: builds them and judges members-converge. */
export class ServerNodes {
  private readonly convergedAt: number[] = [];

  constructor(
    private readonly world: WorldPort,
    private readonly cfg: BootstrapConfig,
    private readonly voters: readonly NodeId[],
    private readonly raft: Partial<RaftConfig>,
    private readonly scenario: Scenario,
    private readonly run: RunContext,
  ) {}

  /** `watchRaft` wraps the Env the server's Raft gets (raft.ts: the message-level checkers). */
  setup(ctx: NodeSetupContext, watchRaft: (env: Env) => Env = (env) => env): ServerNode {
    const join = ctx.restarts === 0 || this.cfg.restartJoin ? this.cfg.join.filter((j) => j !== ctx.id) : [];
    const { voters: _ignored, ...raft } = this.raft as Partial<RaftConfig>;
    // The swim and failover modules' settings for this server (./server-options.ts).
    const extra = serverOptionsFor(this.run, ctx);
    const envs = { id: ctx.id, env: (service: string) => (service === 'raft' ? watchRaft(ctx.env(service)) : ctx.env(service)) };
    return new ServerNode(envs, {
      bootstrapExpect: this.cfg.expect,
      // In the simulator a node's name is its address: the --join seeds are SWIM seeds by name.
      // hanode's default gossip profile is memberlist's LAN config (src/core/swim/config.ts).
      swim: { profile: 'lan', ...extra.swim, seeds: join },
      card: { host: ctx.id },
      zk: true,
      raft,
      ...(extra.ha ? { ha: extra.ha } : {}),
    });
  }

  attach(expectations: Scenario['expectations'], endUs: number): void {
    for (const exp of expectations) {
      if (exp.kind !== 'members-converge') continue;
      const p = exp.params as WithinParams;
      const from = withinStartUs(p, this.scenario);
      const to = Math.min(endUs, from + p.withinUs);
      const idx = this.convergedAt.push(-1) - 1;
      // Converged from `since` on, without a break, through the end of the window (a moment
      // of agreement while a node is still down and about to restart is not convergence).
      let since = -1;
      const check = () => {
        if (!this.converged()) since = -1;
        else if (since < 0) since = this.world.now();
        if (this.world.now() + CONVERGE_CHECK_US <= to) this.world.after(CONVERGE_CHECK_US, check);
        else this.convergedAt[idx] = since;
      };
      this.world.at(from, check);
    }
  }

  evaluate(exp: Scenario['expectations'][number]) {
    const i = this.scenario.expectations.filter((e) => e.kind === 'members-converge').indexOf(exp);
    const p = exp.params as WithinParams;
    const from = withinStartUs(p, this.scenario);
    const at = this.convergedAt[i] ?? -1;
    if (at >= 0) return verdict(exp, true, `converged from ${humanDuration(at)} on (${humanDuration(at - from)} after ${humanDuration(from)}): ${this.views()}`);
    return verdict(exp, false, `not converged between ${humanDuration(from)} and ${humanDuration(from + p.withinUs)}: ${this.views()}`, from + p.withinUs);
  }

  private live(): NodeId[] {
    return this.voters.filter((n) => this.world.isUp(n) && this.world.app<{ serverNode?: ServerNode }>(n)?.serverNode);
  }

  private aliveSeenBy(n: NodeId): Set<NodeId> {
    const sn = this.world.app<{ serverNode?: ServerNode }>(n)?.serverNode;
    return new Set((sn?.members() ?? []).filter((m) => m.status === 'alive').map((m) => m.node));
  }

  private converged(): boolean {
    const live = this.live();
    return live.every((n) => {
      const seen = this.aliveSeenBy(n);
      return live.every((m) => m === n || seen.has(m));
    });
  }

  /** Each live server's alive members, for a failure's evidence. */
  private views(): string {
    return this.live()
      .map((n) => `${n} sees [${[...this.aliveSeenBy(n)].sort().join(', ')}]`)
      .join('; ');
  }
}
