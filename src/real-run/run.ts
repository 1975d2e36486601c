/**
 * `hasim run FILE --real`: the scenario on real `hanode` processes. Starts one agent per Raft
 * voter (cluster.ts), waits for a leader, then for the scenario's duration plays its faults
 * (faults.ts, nft.ts) and its nemesis (nemesis.ts) while its KV workload runs through the HTTP
 * API (kv-workload.ts); then heals the cluster and reads every key back (settle.ts,
 * lost-writes.ts: no acknowledged write may be lost); stops everything (also on failure), then
 * judges the history with the simulator's linearizability checker. NOT deterministic: the seed drives the workload's choices, but thread timing,
 * the kernel and the daemons' own clocks do not repeat.
 *
 * Honesty rules: a fault kind the run cannot play is listed as skipped, a module it cannot run
 * as unsupported, an expectation it cannot judge as unavailable; any of them makes the run
 * INCOMPLETE (not a pass).
 */
import type { ClientReport, Scenario, Verdict } from '../scenario/types.ts';
import type { HistoryEvent } from '../sim/history.ts';
import { checkLinearizability, describeLinearizability } from '../sim/checkers/linearizability/index.ts';
import { randomStream } from '../host/random.ts';
import type { KvModuleConfig } from '../scenario/modules/kv.ts';
import type { RaftModuleConfig } from '../scenario/modules/raft.ts';
import { PATIENCE_MS, sleep } from '../hanode/launcher.ts';
import { RealCluster } from './cluster.ts';
import { FaultPlayer, type PlayedFault, type SkippedFault } from './faults.ts';
import { NftTable, nftUnavailable } from './nft.ts';
import { RealKvWorkload, type RealKvStats } from './kv-workload.ts';
import { LeaderWatch } from './leader-watch.ts';
import { ClientNodes } from './client-nodes.ts';
import { RealRoleView } from './roles.ts';
import { closeHttpAgents } from './http-call.ts';
import { RaftWatch, type Leadership } from './raft-watch.ts';
import { RealLockWorkload } from './lock-workload.ts';
import type { LocksModuleConfig } from '../scenario/modules/locks.ts';
import { judgeLockBeliefs } from '../scenario/modules/lock-beliefs.ts';
import { RealLeaseWorkload } from './lease-workload.ts';
import type { LeasesModuleConfig } from '../scenario/modules/leases.ts';
import { judgeLeaseLives } from '../scenario/modules/lease-judge.ts';
import type { FailoverModuleConfig } from '../scenario/modules/failover.ts';
import { failoverAgentArgs, RealFailover } from './failover.ts';
import { nemesisNeedsNet, RealNemesis } from './nemesis.ts';
import { settleCluster } from './settle.ts';
import { describeLostWrites, findLostWrites, type LostWritesResult } from './lost-writes.ts';
import { ProgressLines } from './progress.ts';
import { pairOperations } from '../sim/history.ts';

/** Modules a real run plays: Raft (the agents) and the KV / lock workloads (over HTTP). */
export const REAL_MODULES = new Set(['raft', 'kv', 'locks', 'leases', 'failover', 'swim']);
/** Expectations a real run judges (raft-safety only partially: raft-watch.ts says what it cannot see). */
export const REAL_EXPECTATIONS = new Set(['linearizable', 'availability', 'leader-within', 'raft-safety', 'max-leader-changes', 'lock-exclusive', 'lease-expires-within', 'failover-within', 'no-false-failover', 'client-outage-within']);
/**
 * Time the agents get to elect a first leader before the scenario's clock starts: the
 * launcher's patience (120 s). Starting slowly biases nothing (the clock starts after), and at
 * load ~40 on 2 cores three agents took over 60 s to start and elect.
 */
const FIRST_LEADER_LIMIT_MS = PATIENCE_MS;
/** Time the final read-back of every key gets on a healed cluster. */
const READ_BACK_LIMIT_MS = 60_000;

export interface RealRunOptions {
  readonly seed?: number;
  /** TEST ONLY, the broken variant: reads with ?stale judged as linearizable. */
  readonly staleReads?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** A progress line (elapsed, ops, faults by kind) every this many ms; default 10 s. */
  readonly progressEveryMs?: number;
  /** Extra environment for the agents (TEST ONLY: HANODE_TEST_ACK_WITHOUT_FSYNC, the broken variant). */
  readonly agentEnv?: Readonly<Record<string, string>>;
}

/** The final read-back (KV runs): the lost-write check and the time the checker took. */
export interface RealReadBack {
  /** Undefined when the cluster did not heal (no leader agreed on in time). */
  readonly lost?: LostWritesResult;
  readonly error?: string;
  readonly checkerMs?: number;
}

export interface RealRunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly deterministic: false;
  readonly durationMs: number;
  readonly servers: readonly { name: string; addr: string }[];
  /** The run's temp dir (removed at the end): tests check nothing of it survives. */
  readonly tempDir: string;
  readonly played: readonly PlayedFault[];
  readonly skippedFaults: readonly SkippedFault[];
  readonly unsupportedModules: readonly string[];
  readonly faultErrors: readonly string[];
  readonly verdicts: readonly Verdict[];
  readonly stats: RealKvStats;
  /** Scenario settings the agents could not take (the run is then INCOMPLETE). */
  readonly notApplied: readonly string[];
  /** How the real environment differs from the simulated one, by design. */
  readonly notes: readonly string[];
  /** The failover application clients' outages and latencies (ClientReport, as the simulator's). */
  readonly failoverClients: readonly ClientReport[];
  /** Scripted target loss → DOWN event seen, per loss (µs). */
  readonly detectionUs: readonly number[];
  /** Leaderships the agents reported (raft-watch.ts). */
  readonly raftLeaderships: readonly Leadership[];
  /** One line per lock / lease workload: what its clients did. */
  readonly workloads: readonly string[];
  /** Faults played, by kind. */
  readonly faultCounts: Readonly<Record<string, number>>;
  readonly readBack?: RealReadBack;
  readonly history: readonly HistoryEvent[];
  /** Every expectation passed and nothing was skipped. */
  readonly passed: boolean;
  /** Something was skipped / unsupported / not judged: the verdict is not a full pass. */
  readonly incomplete: boolean;
}

export async function runReal(sc: Scenario, opts: RealRunOptions = {}): Promise<RealRunResult> {
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? sc.seed;
  const raft = sc.modules.get('raft') as RaftModuleConfig | undefined;
  if (!raft || raft.voters.length === 0) throw new Error(`${sc.name}: a real run needs raft voters (hanode agents are Raft servers)`);
  const kv = sc.modules.get('kv') as KvModuleConfig | undefined;
  const locksCfg = sc.modules.get('locks') as LocksModuleConfig | undefined;
  const leasesCfg = sc.modules.get('leases') as LeasesModuleConfig | undefined;
  const unsupportedModules = [...sc.modules.keys()].filter((m) => !REAL_MODULES.has(m));
  if (raft.learners.length > 0) unsupportedModules.push('raft learners');
  const needsNet = sc.faults.some((f) => ['partition', 'isolate', 'heal'].includes(f.fault.kind)) || (sc.nemesis !== undefined && nemesisNeedsNet(sc.nemesis));
  const nftReason = needsNet ? nftUnavailable() : undefined;

  const failoverCfg = sc.modules.get('failover') as FailoverModuleConfig | undefined;
  const fo = failoverCfg ? failoverAgentArgs(failoverCfg, raft.voters) : undefined;
  // Settings of the scenario the agents cannot take: listed; they make the run INCOMPLETE.
  const notApplied = [...(fo?.notApplied ?? [])];
  // Environment differences that are the point of a real run (loopback, no injected loss): said, not counted.
  const notes = [
    'network: loopback between the agents (the scenario\'s latency model and network loss are the simulator\'s; hasim compare runs the simulator with loopback latency)',
    ...(sc.modules.has('swim') ? ['swim: every agent runs SWIM with hanode\'s LAN profile (memberlist DefaultLANConfig)'] : []),
  ];
  const basePort = 10_000 + (process.pid % 6000) * 3;
  // The scenario's Raft timings, as agent flags (src/hanode/raft-timing-flags.ts).
  const raftArgs = [
    ...(raft.heartbeatIntervalUs !== undefined ? ['--raft-heartbeat-interval', `${Math.round(raft.heartbeatIntervalUs / 1000)}ms`] : []),
    ...(raft.electionTimeoutMinUs !== undefined || raft.electionTimeoutMaxUs !== undefined
      ? ['--raft-election-timeout', `${Math.round((raft.electionTimeoutMinUs ?? 1_000_000) / 1000)}ms-${Math.round((raft.electionTimeoutMaxUs ?? 2_000_000) / 1000)}ms`]
      : []),
  ];
  if (raft.mutations?.length) notApplied.push('raft.mutations (test-only protocol bugs exist only in the simulator)');
  const cluster = new RealCluster(raft.voters, basePort, [...raftArgs, ...(fo?.args ?? [])], opts.agentEnv);
  // Every other node of the topology is a client node of this process, with an address of its own.
  const clients = new ClientNodes(sc.topology.nodes.map((n) => n.id).filter((id) => !raft.voters.includes(id)));
  const nft = needsNet && nftReason === undefined ? new NftTable() : undefined;
  let player: FaultPlayer | undefined;
  let workload: RealKvWorkload | undefined;
  let watch: LeaderWatch | undefined;
  let raftWatch: RaftWatch | undefined;
  let locks: RealLockWorkload | undefined;
  let leases: RealLeaseWorkload | undefined;
  let failover: RealFailover | undefined;
  let nemesis: RealNemesis | undefined;
  let progress: ProgressLines | undefined;
  let readBack: { lost?: LostWritesResult; error?: string } | undefined;
  let t0 = 0;
  try {
    nft?.create();
    log(`starting ${cluster.nodes.length} hanode agents: ${cluster.nodes.map((n) => `${n.name}@${n.addr}`).join(' ')}`);
    await cluster.startAll();
    const leader = await cluster.waitLeader(FIRST_LEADER_LIMIT_MS);
    log(`leader ${leader}; running ${sc.durationUs / 1e6}s of the scenario for real`);
    t0 = performance.now();
    const roles = new RealRoleView(sc.topology.spec, cluster, clients, t0);
    player = new FaultPlayer(cluster, sc.topology, nft, nftReason, t0, roles, clients, log);
    if (failoverCfg) {
      const topo = roles.topology;
      const f = new RealFailover(failoverCfg, cluster, clients, topo, basePort + 2, t0, sc.durationUs, () => player!.cutsNow(), seed);
      failover = f;
      player.extraAddrs = (sel) => f.addrsOf(sel, topo);
      await failover.start();
    }
    player.schedule(sc.faults);
    if (sc.nemesis) {
      nemesis = new RealNemesis(sc.nemesis, seed, player, roles, raft.voters, t0);
      nemesis.start();
    }
    watch = new LeaderWatch(cluster, sc, t0);
    watch.start();
    raftWatch = new RaftWatch(cluster, t0);
    raftWatch.start();
    const servers = cluster.nodes.map((n) => cluster.http(n));
    if (locksCfg) {
      locks = new RealLockWorkload({ cfg: locksCfg, servers, clients, seed, t0, endUs: sc.durationUs, log });
      locks.start();
    }
    if (leasesCfg) {
      leases = new RealLeaseWorkload({ cfg: leasesCfg, servers, clients, seed, t0, log });
      leases.start();
    }
    if (kv) {
      // The scenario's servers in its order (default: the voters), as the simulated clients get them.
      const kvServers = (kv.servers ?? raft.voters).map((name) => cluster.http(cluster.node(name)));
      workload = new RealKvWorkload({ cfg: kv, servers: kvServers, random: randomStream(seed, 'real-kv'), t0, clients, ...(opts.staleReads ? { staleReads: true } : {}) });
      workload.start();
    }
    progress = new ProgressLines(opts.progressEveryMs ?? 10_000, t0, sc.durationUs / 1000, () => workload?.stats, player, cluster, log);
    progress.start();
    await sleep(sc.durationUs / 1000);
    progress.stop();
    log(progress.line());
    nemesis?.stop();
    await player.stop();
    await watch.stop();
    await workload?.stop();
    await locks?.stop();
    await leases?.stop();
    await failover?.stop();
    await raftWatch.stop();
    // Every acknowledged write must be there at the end: heal everything, read every key back.
    if (workload) readBack = await healAndReadBack(workload, cluster, nft, clients, log);
  } finally {
    progress?.stop();
    nemesis?.stop();
    await player?.stop();
    await watch?.stop();
    await raftWatch?.stop();
    await locks?.stop();
    await leases?.stop();
    await failover?.stop();
    nft?.delete();
    await cluster.stopAll();
    closeHttpAgents();
  }
  const durationMs = Math.round(performance.now() - t0);
  const history = workload ? workload.history.events() : [];
  let checkerMs: number | undefined;
  const verdicts = sc.expectations.map((e): Verdict => {
    if (e.kind === 'leader-within') return watch!.evaluate(e, durationMs);
    if (e.kind === 'raft-safety' || e.kind === 'max-leader-changes') return raftWatch!.evaluate(e);
    if (e.kind === 'lock-exclusive' && locks) return judgeLockBeliefs(e, locks.holdings, { acquires: locks.acquires, attempts: locks.attempts, clients: locksCfg!.clients.length });
    if (e.kind === 'lease-expires-within' && leases) return judgeLeaseLives(e, leases.lives, { via: leasesCfg!.via, ttlUs: leasesCfg!.ttlUs, keepaliveUs: leasesCfg!.keepaliveUs, endUs: durationMs * 1000, elections: raftWatch!.leaderships.map((l) => l.atMs * 1000), isUp: (n) => clients.isUp(n) });
    if (['failover-within', 'no-false-failover', 'client-outage-within'].includes(e.kind) && failover) return failover.evaluate(e);
    const started = performance.now();
    const v = judge(e.kind, e.name, e.params, history, workload?.stats);
    if (e.kind === 'linearizable') {
      checkerMs = Math.round(performance.now() - started);
      return { ...v, detail: `${v.detail} (checker ${(checkerMs / 1000).toFixed(1)}s)` };
    }
    return v;
  });
  if (readBack) verdicts.push(lostWritesVerdict(readBack));
  // The --history file: KV operations and every lock / lease client call (f: acquire, lease-keepalive, ...), in time order.
  const allHistory = [...history, ...(locks?.history.events() ?? []), ...(leases?.history.events() ?? []), ...(failover?.apps?.history() ?? [])].sort((a, b) => a.time - b.time);
  const skippedFaults = player.skipped;
  const incomplete = skippedFaults.length > 0 || unsupportedModules.length > 0 || notApplied.length > 0 || verdicts.some((v) => v.status === 'unavailable') || player.errors.length > 0;
  return {
    scenario: sc.name,
    seed,
    deterministic: false,
    durationMs,
    servers: cluster.nodes.map((n) => ({ name: n.name, addr: n.addr })),
    tempDir: cluster.dir,
    played: player.played,
    skippedFaults,
    unsupportedModules,
    faultErrors: player.errors,
    verdicts,
    stats: workload?.stats ?? { invoked: 0, ok: 0, fail: 0, info: 0, answered: 0 },
    history: allHistory,
    notApplied,
    notes,
    failoverClients: failover?.apps?.reports() ?? [],
    detectionUs: failover?.detectionTimesUs() ?? [],
    raftLeaderships: raftWatch?.leaderships ?? [],
    faultCounts: Object.fromEntries(player.counts),
    ...(readBack ? { readBack: { ...readBack, ...(checkerMs !== undefined ? { checkerMs } : {}) } } : {}),
    workloads: [
      ...(locks ? [`locks: ${locks.acquires} acquisitions in ${locks.attempts} attempts by ${locksCfg!.clients.length} clients`] : []),
      ...(leases ? [`leases: ${leases.lives.length} granted, ${leases.lives.filter((l) => l.expiredUs !== undefined).length} seen expiring`] : []),
    ],
    passed: !incomplete && verdicts.every((v) => v.passed),
    incomplete,
  };
}

/** Heals the cluster (settle.ts) and reads every key back (kv-workload.ts); never throws. */
async function healAndReadBack(workload: RealKvWorkload, cluster: RealCluster, nft: NftTable | undefined, clients: ClientNodes, log: (line: string) => void): Promise<{ lost?: LostWritesResult; error?: string }> {
  try {
    await settleCluster(cluster, nft, clients, log);
  } catch (e) {
    return { error: `the cluster did not heal: ${(e as Error).message.split('\n')[0]}` };
  }
  const finals = await workload.readBack(READ_BACK_LIMIT_MS);
  const lost = findLostWrites(pairOperations(workload.history.events()), finals);
  log(`read back: ${describeLostWrites(lost)}`);
  return { lost };
}

/** The real run's own verdict on the read-back (not an expectation of the file: every KV real run has it). */
function lostWritesVerdict(rb: { lost?: LostWritesResult; error?: string }): Verdict {
  const name = 'no acknowledged write lost (every key read back after the heal)';
  if (!rb.lost) return { name, kind: 'no-lost-writes', status: 'fail', passed: false, detail: rb.error ?? 'not read back' };
  const ok = rb.lost.lost === 0 && rb.lost.unread.length === 0;
  return { name, kind: 'no-lost-writes', status: ok ? 'pass' : 'fail', passed: ok, detail: describeLostWrites(rb.lost) };
}

function judge(kind: string, name: string, params: unknown, history: readonly HistoryEvent[], stats: RealKvStats | undefined): Verdict {
  const v = (status: Verdict['status'], detail: string, vacuous = false): Verdict => ({ name, kind, status, passed: status === 'pass', detail, ...(vacuous ? { vacuous } : {}) });
  if (!REAL_EXPECTATIONS.has(kind)) return v('unavailable', 'not judged in a real run (no trace of the agents\' internals)');
  if (!stats || history.length === 0) return v('fail', 'no client operation ran: nothing to check', true);
  if (kind === 'linearizable') {
    const r = checkLinearizability(history);
    const text = describeLinearizability(r).split('\n').slice(0, 12).join(' | ');
    if (r.valid === 'unknown') return v('unavailable', `the checker hit its search bounds: ${text}`);
    return v(r.valid ? 'pass' : 'fail', text);
  }
  const done = stats.ok + stats.fail + stats.info;
  const ratio = done === 0 ? 0 : stats.answered / done;
  return v(ratio >= (params as number) ? 'pass' : 'fail', `${(ratio * 100).toFixed(2)}% answered (${stats.answered} of ${done} completed operations)`);
}
