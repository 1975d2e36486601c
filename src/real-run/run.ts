/**
 * `hasim run FILE --real`: the scenario on real `hanode` processes. Starts one agent per Raft
 * voter (cluster.ts), waits for a leader, then for the scenario's duration plays its faults
 * (faults.ts, nft.ts) while its KV workload runs through the HTTP API (kv-workload.ts); stops
 * everything (also on failure), then judges the history with the simulator's linearizability
 * checker. NOT deterministic: the seed drives the workload's choices, but thread timing,
 * the kernel and the daemons' own clocks do not repeat.
 *
 * Honesty rules: a fault kind the run cannot play is listed as skipped, a module it cannot run
 * as unsupported, an expectation it cannot judge as unavailable; any of them makes the run
 * INCOMPLETE (not a pass).
 */
import type { Scenario, Verdict } from '../scenario/types.ts';
import type { HistoryEvent } from '../sim/history.ts';
import { checkLinearizability, describeLinearizability } from '../sim/checkers/linearizability/index.ts';
import { randomStream } from '../host/random.ts';
import type { KvModuleConfig } from '../scenario/modules/kv.ts';
import type { RaftModuleConfig } from '../scenario/modules/raft.ts';
import { sleep } from '../hanode/launcher.ts';
import { RealCluster } from './cluster.ts';
import { FaultPlayer, type PlayedFault, type SkippedFault } from './faults.ts';
import { NftTable, nftUnavailable } from './nft.ts';
import { RealKvWorkload, type RealKvStats } from './kv-workload.ts';
import { LeaderWatch } from './leader-watch.ts';

/** Modules a real run plays: Raft (the agents) and the KV workload (over HTTP). */
export const REAL_MODULES = new Set(['raft', 'kv']);
/** Expectations a real run judges. */
export const REAL_EXPECTATIONS = new Set(['linearizable', 'availability', 'leader-within']);
/** Time the agents get to elect a first leader before the scenario's clock starts. */
const FIRST_LEADER_LIMIT_MS = 60_000;

export interface RealRunOptions {
  readonly seed?: number;
  /** TEST ONLY, the broken variant: reads with ?stale judged as linearizable. */
  readonly staleReads?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

export interface RealRunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly deterministic: false;
  readonly durationMs: number;
  readonly servers: readonly { name: string; addr: string }[];
  readonly played: readonly PlayedFault[];
  readonly skippedFaults: readonly SkippedFault[];
  readonly unsupportedModules: readonly string[];
  readonly faultErrors: readonly string[];
  readonly verdicts: readonly Verdict[];
  readonly stats: RealKvStats;
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
  const unsupportedModules = [...sc.modules.keys()].filter((m) => !REAL_MODULES.has(m));
  if (raft.learners.length > 0) unsupportedModules.push('raft learners');
  const needsNet = sc.faults.some((f) => ['partition', 'isolate', 'heal'].includes(f.fault.kind));
  const nftReason = needsNet ? nftUnavailable() : undefined;
  if (sc.nemesis) unsupportedModules.push('nemesis (random faults)');

  const cluster = new RealCluster(raft.voters, 10_000 + (process.pid % 6000) * 3);
  const nft = needsNet && nftReason === undefined ? new NftTable() : undefined;
  let player: FaultPlayer | undefined;
  let workload: RealKvWorkload | undefined;
  let watch: LeaderWatch | undefined;
  let t0 = 0;
  try {
    nft?.create();
    log(`starting ${cluster.nodes.length} hanode agents: ${cluster.nodes.map((n) => `${n.name}@${n.addr}`).join(' ')}`);
    await cluster.startAll();
    const leader = await cluster.waitLeader(FIRST_LEADER_LIMIT_MS);
    log(`leader ${leader}; running ${sc.durationUs / 1e6}s of the scenario for real`);
    t0 = performance.now();
    player = new FaultPlayer(cluster, sc.topology, nft, nftReason, t0, log);
    player.schedule(sc.faults);
    watch = new LeaderWatch(cluster, sc, t0);
    watch.start();
    if (kv) {
      workload = new RealKvWorkload({ cfg: kv, servers: cluster.nodes.map((n) => cluster.http(n)), random: randomStream(seed, 'real-kv'), t0, ...(opts.staleReads ? { staleReads: true } : {}) });
      workload.start();
    }
    await sleep(sc.durationUs / 1000);
    await player.stop();
    await watch.stop();
    await workload?.stop();
  } finally {
    await player?.stop();
    await watch?.stop();
    nft?.delete();
    await cluster.stopAll();
  }
  const durationMs = Math.round(performance.now() - t0);
  const history = workload ? workload.history.events() : [];
  const verdicts = sc.expectations.map((e): Verdict => (e.kind === 'leader-within' ? watch.evaluate(e, durationMs) : judge(e.kind, e.name, e.params, history, workload?.stats)));
  const skippedFaults = player.skipped;
  const incomplete = skippedFaults.length > 0 || unsupportedModules.length > 0 || verdicts.some((v) => v.status === 'unavailable') || player.errors.length > 0;
  return {
    scenario: sc.name,
    seed,
    deterministic: false,
    durationMs,
    servers: cluster.nodes.map((n) => ({ name: n.name, addr: n.addr })),
    played: player.played,
    skippedFaults,
    unsupportedModules,
    faultErrors: player.errors,
    verdicts,
    stats: workload?.stats ?? { invoked: 0, ok: 0, fail: 0, info: 0, answered: 0 },
    history,
    passed: !incomplete && verdicts.every((v) => v.passed),
    incomplete,
  };
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
