/**
 * `raft:` — which nodes run Raft (voters, learners) and the Raft expectations:
 * raft-safety (Figure 3 of the paper, checked by src/sim/checkers/raft-safety.ts on every
 * incarnation of every node), leader-within (a leader followed by a quorum within T after
 * the faults end), max-leader-changes.
 *
 *   raft:
 *     voters: [east-1, west-1]     # nodes, DCs or regions
 *     learners: [west-2]           # added by the first leader (addLearner)
 *     electionTimeoutMin: 150ms    # optional overrides of src/core/raft/config.ts
 *     reconfigure:                 # optional: replace voters by joint consensus (raft-reconfigure.ts)
 *       - { at: 10s, voters: [east-1, west-2] }
 *     mutations: [commitOldTerms]  # TEST ONLY, breaks safety: paper rules to switch off (src/core/raft/mutations.ts),
 *                                  # to show a swarm's checkers catch the broken rule
 *
 * Every member is assembled as hanode assembles a server (src/core/node/assembly.ts ServerCore):
 * one Raft log carrying the coordination store (KV, sessions, locks, leases, the tree, the
 * catalog) and the failover state, with a CoordNode beside it (leader drivers, proposer,
 * blocking hub, the tree server and the RPC server). The other modules configure that
 * assembly (kv serves its KV, failover runs its HA service over its HA state); none builds a
 * Raft node or a state machine of its own.
 */
import type { NodeId } from '../../core/env.ts';
import { RAFT_MUTATIONS, isRaftMutation, type RaftConfig, type RaftMutation } from '../../core/raft/index.ts';
import { ServerCore, type NodeMachine, type ServerRaft } from '../../core/node/index.ts';
import { RaftSafetyChecker } from '../../sim/checkers/raft-safety.ts';
import { FollowerCommitChecker } from '../../sim/checkers/follower-commit.ts';
import { VoteRestrictionChecker } from '../../sim/checkers/vote-restriction.ts';
import { VoteDurabilityChecker } from '../../sim/checkers/vote-durability.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { humanDuration } from '../units.ts';
import { verdict } from '../verdict.ts';
import { LeaderChangeWatch, leaderChangeExpectations } from './raft-leader-change.ts';
import { addMissingLearners } from './raft-learner-join.ts';
import type { View } from '../yaml-view.ts';
import { noParams, parseWithin, withinName, withinStartUs, type WithinParams } from './params.ts';
import { parseReconfigure, ReconfigureDriver, type ReconfigureStep } from './raft-reconfigure.ts';
import { bootstrapExpectations, parseBootstrap, ServerNodes, type BootstrapConfig } from './raft-bootstrap.ts';
import { Figure8Driver, parseFigure8, type Figure8Config } from './raft-figure8.ts';
import { VoteInLeaseDriver } from './raft-vote-in-lease.ts';
import { StaleCommitDriver } from './raft-stale-commit.ts';
import { StaleLeaderDriver } from './raft-stale-leader.ts';
import { SnapshotLateDriver } from './raft-snapshot-late.ts';
import { parseRounds, type RoundsConfig } from './directed-steps.ts';

export interface RaftModuleConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly electionTimeoutMinUs?: number;
  readonly electionTimeoutMaxUs?: number;
  readonly heartbeatIntervalUs?: number;
  /** RaftConfig.snapshotThresholdEntries: a snapshot every N applied entries (default hashicorp/raft's 8192). */
  readonly snapshotThreshold?: number;
  /** RaftConfig.snapshotTrailingEntries: entries kept behind a snapshot for slow followers (default 10,240). */
  readonly snapshotTrailing?: number;
  /** TEST ONLY (breaks safety): RaftConfig.mutations. */
  readonly mutations?: readonly RaftMutation[];
  /** Voter replacements by joint consensus during the run. */
  readonly reconfigure?: readonly ReconfigureStep[];
  /**
   * How the servers find each other (./raft-bootstrap.ts): `static` (default) — every voter
   * starts with the full voter list; `expect` — each runs hanode's ServerNode with
   * `--bootstrap-expect` and `--join`, and the scenario judges its join / rejoin rules.
   */
  readonly bootstrap?: BootstrapConfig;
  /** Start times of the paper's Figure 8 schedule, played by a directed nemesis (./raft-figure8.ts). */
  readonly figure8?: Figure8Config;
  /** Times a follower cut off from the leader alone campaigns during a write-idle window (./raft-vote-in-lease.ts). */
  readonly voteInLease?: RoundsConfig;
  /** Times a new leader is elected knowing a stale commit index, with a slow lagging follower (./raft-stale-commit.ts). */
  readonly staleCommit?: RoundsConfig;
  /** Times a paused, one-way cut-off leader comes back and appends in its old term (./raft-stale-leader.ts). */
  readonly staleLeader?: RoundsConfig;
  /** Times a snapshot reaches a follower that already holds newer, acknowledged entries (./raft-snapshot-late.ts). */
  readonly snapshotLate?: RoundsConfig;
}

/** What other modules find in app.parts.raft. */
export interface RaftPart {
  /** The Raft node; undefined until it is built (with `bootstrap: expect`, once bootstrap_expect is met). */
  readonly node: ServerRaft | undefined;
  /** The NodeMachine the log feeds (core.store + core.haState). */
  readonly sm: NodeMachine;
  /** The server assembly: store, HA state, replicator, CoordNode (the same as hanode's). */
  readonly core: ServerCore;
}

/** `mutations: [name, ...]`: names from src/core/raft/mutations.ts (test-only). */
function parseMutations(v: View): RaftMutation[] {
  return v.list().map((item) => {
    const name = item.str();
    return isRaftMutation(name) ? name : item.fail(`a Raft mutation (one of ${RAFT_MUTATIONS.join(', ')})`);
  });
}

/** How often leader-within polls the cluster (virtual time). */
const LEADER_CHECK_US = 50_000;

export const raftModule: ScenarioModule<RaftModuleConfig> = {
  name: 'raft',
  doc: 'Raft voters and learners; checks safety, leader election and churn',
  parse(v, ctx) {
    v.allowKeys(['voters', 'learners', 'electionTimeoutMin', 'electionTimeoutMax', 'heartbeatInterval', 'snapshotThreshold', 'snapshotTrailing', 'mutations', 'reconfigure', 'bootstrap', 'expect', 'join', 'restartJoin', 'figure8', 'voteInLease', 'staleCommit', 'staleLeader', 'snapshotLate']);
    const voters = ctx.topology.nodesOf(v.get('voters').required());
    const learners = v.get('learners').present ? ctx.topology.nodesOf(v.get('learners')) : [];
    const both = learners.find((n) => voters.includes(n));
    if (both) v.get('learners').fail(`node "${both}" is both a voter and a learner`);
    const opt = (k: string, f: string) => (v.get(k).present ? { [f]: v.get(k).duration(1) } : {});
    const cfg: RaftModuleConfig = {
      voters,
      learners,
      ...opt('electionTimeoutMin', 'electionTimeoutMinUs'),
      ...opt('electionTimeoutMax', 'electionTimeoutMaxUs'),
      ...opt('heartbeatInterval', 'heartbeatIntervalUs'),
      ...(v.get('snapshotThreshold').present ? { snapshotThreshold: v.get('snapshotThreshold').int(1, 1_000_000) } : {}),
      ...(v.get('snapshotTrailing').present ? { snapshotTrailing: v.get('snapshotTrailing').int(0, 1_000_000) } : {}),
      ...(v.get('mutations').present ? { mutations: parseMutations(v.get('mutations')) } : {}),
      ...(v.get('reconfigure').present ? { reconfigure: parseReconfigure(v.get('reconfigure'), ctx, new Set([...voters, ...learners])) } : {}),
      ...parseBootstrap(v, voters, learners, ctx),
      ...(v.get('figure8').present ? { figure8: parseFigure8(v.get('figure8')) } : {}),
      ...(v.get('voteInLease').present ? { voteInLease: parseRounds(v.get('voteInLease')) } : {}),
      ...(v.get('staleCommit').present ? { staleCommit: parseRounds(v.get('staleCommit')) } : {}),
      ...(v.get('staleLeader').present ? { staleLeader: parseRounds(v.get('staleLeader')) } : {}),
      ...(v.get('snapshotLate').present ? { snapshotLate: parseRounds(v.get('snapshotLate')) } : {}),
    };
    if (cfg.figure8 && voters.length !== 5) v.get('figure8').fail('expected five voters (the paper\'s Figure 8)');
    if ((cfg.electionTimeoutMinUs ?? 0) > (cfg.electionTimeoutMaxUs ?? Infinity)) {
      v.get('electionTimeoutMax').fail('expected electionTimeoutMax >= electionTimeoutMin');
    }
    return cfg;
  },
  expectations: {
    'raft-safety': {
      parse: noParams,
      name: () => 'Raft safety (one leader per term, log matching, committed entries kept)',
    },
    'leader-within': {
      parse: parseWithin,
      name: (p) => withinName('a leader', p as WithinParams),
    },
    reconfigured: {
      parse: noParams,
      name: () => 'every raft.reconfigure step completed (its voters committed, not joint)',
    },
    'max-leader-changes': {
      parse: (v) => v.required().int(0, 1_000_000),
      name: (p) => `at most ${p as number} leader changes`,
    },
    ...leaderChangeExpectations,
    ...bootstrapExpectations,
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const members = new Set([...cfg.voters, ...cfg.learners]);
    const learners = new Set(cfg.learners);
    const checker = new RaftSafetyChecker({ throwOnViolation: true });
    const followerCommit = new FollowerCommitChecker({ throwOnViolation: true }); // Figure 2 AppendEntries rule 5, judged as raft-safety
    const voteDurability = new VoteDurabilityChecker({ throwOnViolation: true }); // Figure 2 persistent state, judged as raft-safety
    const voteRestriction = new VoteRestrictionChecker({ throwOnViolation: true }); // §5.4.1 / §9.6 election restriction on votes and pre-votes, judged as raft-safety
    // tree: { careless: true } breaks the tree servers on purpose (scenarios/broken).
    const coreOpts = (scenario.modules.get('tree') as { careless?: boolean } | undefined)?.careless ? { tree: { unsafeServeClientsAhead: true } } : {};
    const overrides: Partial<RaftConfig> = {
      ...(cfg.electionTimeoutMinUs !== undefined ? { electionTimeoutMinUs: cfg.electionTimeoutMinUs } : {}),
      ...(cfg.electionTimeoutMaxUs !== undefined ? { electionTimeoutMaxUs: cfg.electionTimeoutMaxUs } : {}),
      ...(cfg.heartbeatIntervalUs !== undefined ? { heartbeatIntervalUs: cfg.heartbeatIntervalUs } : {}),
      ...(cfg.snapshotThreshold !== undefined ? { snapshotThresholdEntries: cfg.snapshotThreshold } : {}),
      ...(cfg.snapshotTrailing !== undefined ? { snapshotTrailingEntries: cfg.snapshotTrailing } : {}),
      ...(cfg.mutations !== undefined ? { mutations: new Set(cfg.mutations) } : {}),
    };
    const elections: { t: number; node: NodeId; term: number }[] = [];
    const leaderAt: number[] = [];
    const nodeRaft = (n: NodeId) => world.app<{ raft?: RaftPart }>(n)?.raft?.node;

    /** Whether a and b can talk both ways right now (no partition between them). */
    const linked = (a: NodeId, b: NodeId) => {
      const ia = world.topology.index(a);
      const ib = world.topology.index(b);
      return !world.network.isCut(ia, ib) && !world.network.isCut(ib, ia);
    };
    /** A live leader that a quorum of the voters, reachable from it, follows in its term. */
    const stableLeader = (): NodeId | undefined => {
      for (const n of members) {
        const r = nodeRaft(n);
        if (!r || !r.isLeader()) continue;
        const voters = r.membership().voters;
        const followers = voters.filter((m) => {
          const x = nodeRaft(m);
          return x !== undefined && x.term() === r.term() && (m === n || (x.leader() === n && linked(n, m)));
        }).length;
        if (followers >= Math.floor(voters.length / 2) + 1) return n;
      }
      return undefined;
    };

    /** The live leader of the highest term, if any. */
    const currentLeader = () => {
      let best: ServerRaft | undefined;
      for (const n of members) {
        const r = world.isUp(n) ? nodeRaft(n) : undefined;
        if (r?.isLeader() && (best === undefined || r.term() > best.term())) best = r;
      }
      return best;
    };
    const reconfigure = new ReconfigureDriver(world, cfg.reconfigure ?? [], cfg.voters, currentLeader, run.endUs);

    // Tells role selectors who leads (src/sim/roles.ts); watches new-leader-within.
    const leaderChange = new LeaderChangeWatch(
      world,
      {
        voters: () => reconfigure.voters(),
        leaderClaim: (n) => {
          const r = world.isUp(n) ? nodeRaft(n) : undefined;
          return r?.isLeader() ? { term: r.term() } : undefined;
        },
      },
      () => {
        const n = stableLeader();
        return n === undefined ? undefined : { node: n, term: nodeRaft(n)!.term() };
      },
      run.endUs,
    );

    const boot = cfg.bootstrap ? new ServerNodes(world, cfg.bootstrap, cfg.voters, overrides, scenario, run) : undefined;

    return {
      setupNode(ctx, app) {
        if (!members.has(ctx.id)) return;
        if (boot) {
          // hanode's own assembly: Raft is built when bootstrap_expect is met (or from storage).
          let votes: ReturnType<VoteRestrictionChecker['wrap']> | undefined;
          const sn = boot.setup(ctx, (env) => (votes = voteRestriction.wrap(voteDurability.wrap(env))).env);
          sn.core.onRaftAttached((node) => {
            votes?.attach(node);
            checker.attach(node);
            followerCommit.attach(node);
            app.parts.raftNode = node;
          });
          app.parts.raft = {
            get node() {
              return sn.raft();
            },
            sm: sn.machine,
            core: sn.core,
          } satisfies RaftPart;
          app.parts.coord = sn.coord;
          app.parts.serverNode = sn;
          // The server's own gossip and HA service, for the swim and failover modules' views.
          app.parts.swim = sn.swim;
          if (sn.ha) app.parts.ha = sn.ha;
          app.starters.push(() => sn.start());
          return;
        }
        const core = new ServerCore({ coord: ctx.env('coord'), zk: ctx.env('zk'), rpc: ctx.env('coordrpc') }, coreOpts);
        const restricted = voteRestriction.wrap(voteDurability.wrap(ctx.env('raft')));
        const node = core.attachRaft(restricted.env, { ...overrides, voters: learners.has(ctx.id) ? [] : cfg.voters });
        restricted.attach(node);
        checker.attach(node);
        followerCommit.attach(node);
        app.parts.raft = { node, sm: core.machine, core } satisfies RaftPart;
        // Also the node itself, for views that find cores by their inspection methods (src/tui).
        app.parts.raftNode = node;
        app.parts.coord = core.coord;
        app.starters.push(() => node.start());
        app.starters.push(() => core.coord.start());
      },
      attach() {
        boot?.attach(scenario.expectations, run.endUs);
        leaderChange.attach(scenario.expectations);
        reconfigure.start();
        const put = (n: NodeId, key: string, value: string) => world.app<{ raft?: RaftPart }>(n)?.raft?.core.proposer.propose({ type: 'kv', cmd: { type: 'put', key, value } }, () => {});
        if (cfg.figure8) new Figure8Driver({ world, voters: cfg.voters, raftOf: nodeRaft, put }, cfg.figure8.atUs, run.endUs, cfg.figure8.writes).start();
        if (cfg.voteInLease) new VoteInLeaseDriver(world, cfg.voters, nodeRaft, cfg.voteInLease, run.endUs).start();
        if (cfg.staleCommit) new StaleCommitDriver(world, cfg.voters, nodeRaft, cfg.staleCommit, run.endUs).start();
        if (cfg.staleLeader) new StaleLeaderDriver(world, cfg.voters, nodeRaft, cfg.staleLeader, run.endUs).start();
        if (cfg.snapshotLate) new SnapshotLateDriver(world, cfg.voters, nodeRaft, cfg.snapshotLate, run.endUs).start();
        for (const exp of scenario.expectations) {
          if (exp.kind !== 'leader-within') continue;
          const p = exp.params as WithinParams;
          const from = withinStartUs(p, scenario);
          const to = Math.min(run.endUs, from + p.withinUs);
          const idx = leaderAt.push(-1) - 1;
          const check = () => {
            if (leaderAt[idx]! >= 0) return;
            if (stableLeader() !== undefined) leaderAt[idx] = world.now();
            else if (world.now() + LEADER_CHECK_US <= to) world.after(LEADER_CHECK_US, check);
          };
          world.at(from, check);
        }
      },
      onTrace(ev) {
        if ((ev.kind === 'disk.wipe' || ev.kind === 'disk.restore-stale' || ev.kind === 'disk.corrupt') && ev.node && members.has(ev.node)) checker.diskLost(ev.node);
        if (ev.svc !== 'raft' || ev.kind !== 'raft.elected' || !ev.node) return;
        elections.push({ t: ev.t, node: ev.node, term: Number(ev.term) });
        if (learners.size === 0) return;
        // A new leader adds the learners its membership lacks (outside the core's event).
        addMissingLearners(ev.node, learners, nodeRaft, (us, fn) => world.after(us, fn));
      },
      timeline(ev) {
        if (ev.svc !== 'raft') return undefined;
        if (ev.kind === 'raft.elected') return { t: ev.t, node: ev.node!, category: 'role', text: `${ev.node} elected Raft leader (term ${ev.term})` };
        if (ev.kind === 'raft.stepdown') return { t: ev.t, node: ev.node!, category: 'role', text: `${ev.node} steps down as leader (${ev.reason}, term ${ev.term})` };
        return undefined;
      },
      evaluate(exp) {
        switch (exp.kind) {
          case 'raft-safety': {
            const c = checker.counts;
            const seen = `${c.elections} elections, ${c.commits} commits, ${c.applies} applies, ${voteDurability.checked} granted votes checked, ${voteRestriction.checked} grants (votes and pre-votes) checked for the election restriction`;
            const bad = [...checker.violations, ...voteDurability.violations, ...voteRestriction.violations];
            return verdict(exp, bad.length === 0, bad.length === 0 ? seen : `${bad[0]} (${bad.length} violation(s); ${seen})`);
          }
          case 'leader-within': {
            const i = scenario.expectations.filter((e) => e.kind === 'leader-within').indexOf(exp);
            const p = exp.params as WithinParams;
            const from = withinStartUs(p, scenario);
            const at = leaderAt[i] ?? -1;
            if (at >= 0) return verdict(exp, true, `a leader followed by a quorum at ${humanDuration(at)} (${humanDuration(at - from)} after ${humanDuration(from)})`);
            const short = from + p.withinUs > run.endUs ? ` (the run ends at ${humanDuration(run.endUs)}, before the window closes)` : '';
            return verdict(exp, false, `no leader followed by a quorum between ${humanDuration(from)} and ${humanDuration(Math.min(run.endUs, from + p.withinUs))}${short}`, Math.min(run.endUs, from + p.withinUs));
          }
          case 'max-leader-changes': {
            const max = exp.params as number;
            const changes = Math.max(0, elections.length - 1);
            const list = elections
              .slice(0, 6)
              .map((e) => `${e.node}@${humanDuration(e.t)} t${e.term}`)
              .join(', ');
            return verdict(
              exp,
              changes <= max,
              `${elections.length} elections → ${changes} leader change(s) after the first leader [${list}${elections.length > 6 ? ', …' : ''}]`,
              changes > max ? elections[max + 1]?.t : undefined,
            );
          }
          case 'reconfigured': {
            const steps = cfg.reconfigure ?? [];
            const missing = steps.findIndex((_, i) => reconfigure.doneAt[i]! < 0);
            if (missing < 0) return verdict(exp, true, `${steps.length} step(s) completed at ${reconfigure.doneAt.map((t) => humanDuration(t)).join(', ') || '-'}`);
            return verdict(exp, false, `step ${missing + 1} (voters ${steps[missing]!.voters.join(',')}, from ${humanDuration(steps[missing]!.atUs)}) never completed`);
          }
          case 'new-leader-within':
          case 'leader-changed':
            return leaderChange.evaluate(exp, elections);
          case 'members-converge':
            return boot ? boot.evaluate(exp) : verdict(exp, false, 'members-converge needs raft.bootstrap: expect (the servers run their own gossip)');
          default:
            return verdict(exp, false, `the raft module does not know "${exp.kind}"`);
        }
      },
    };
  },
};
