/**
 * One trial of the Raft paper's election experiment (§9.3, Figure 16) in the simulator, shared by
 * bench/raft-election.ts. The steps follow the paper's text:
 *  - 5 servers; heartbeats every half the minimum election timeout;
 *  - "the servers in each trial had different log lengths, so some candidates were not eligible to
 *    become leader": the leader appends three entries, entry k (k = 1..3) with its links to k
 *    followers cut, nested, so the four followers end at base, base+1, base+2, base+3 (each a prefix
 *    of the next, as Raft's log matching demands) and only the two longest can collect three votes;
 *  - "our test script triggered a synchronized broadcast of heartbeat RPCs from the leader before
 *    terminating its process ... The leader was crashed uniformly randomly within its heartbeat
 *    interval": our leader's heartbeats are one broadcast per tick, so we wait for a tick (after the
 *    entries) and crash the leader at a uniform offset in [0, heartbeat) after it;
 *  - measured, as the paper did: crash → every surviving server has received the new leader's
 *    first heartbeat (an AppendEntries or heartbeat of a newer term), dissertation §9.3 ("until the
 *    other servers received the new leader's first heartbeat");
 *  - the disk: `syncUs` for each fsync a server blocks in (term and vote before a RequestVote or its
 *    answer leaves; src/sim/blocking-sync.ts), `asyncSyncUs` for a log write; the dissertation's
 *    "broadcast time (network round trip plus disk write)" is 2 × one-way + the follower's log write.
 * What the followers' logs were at the crash is returned, so the bench can show they differed.
 */
import { ms, sec, type Micros } from '../src/core/env.ts';
import type { StateMachine } from '../src/core/sm.ts';
import { RaftNode, type RaftConfig } from '../src/core/raft/index.ts';
import { World, type LatencyDist } from '../src/sim/index.ts';

export const IDS = ['s1', 's2', 's3', 's4', 's5'];

class Counter implements StateMachine<number, number> {
  n = 0;
  apply(c: number): number {
    return (this.n += c);
  }
  snapshot(): unknown {
    return this.n;
  }
  restore(s: unknown): void {
    this.n = s as number;
  }
}

interface App {
  raft: RaftNode<number, number>;
  start(): void;
}

export interface TrialSetup {
  readonly minMs: number;
  readonly maxMs: number;
  /** One-way delay of every message between two servers. */
  readonly oneWay: LatencyDist;
  /** Raft settings that differ from the project's defaults (the bench says which and why). */
  readonly raft: Partial<RaftConfig>;
  /** A trial that has not elected anyone this long after the crash is recorded as +Infinity. */
  readonly capUs: Micros;
  /** Build the unequal logs (the paper's worst case); false: every follower holds every entry. */
  readonly unequalLogs: boolean;
  /** Longer than any one-way delay: how long each entry is given to land (kept short: a follower
   * silent for electionTimeoutMin is repaired by the leader, which would even the logs out). */
  readonly settleUs: Micros;
  /** Latency of an fsync a server blocks in (term and vote; src/sim/blocking-sync.ts); absent: 0, the simulator's default. */
  readonly syncUs?: Micros;
  /** Latency of an asynchronous log write (disk.syncLatencyUs); absent: the simulator's default (1 ms). */
  readonly asyncSyncUs?: Micros;
}

export interface TrialResult {
  /** Crash → new leader, µs; +Infinity past the cap; NaN if the initial election failed. */
  readonly us: number;
  /** Terms the election took (new leader's term − crashed leader's term). */
  readonly terms: number;
  /** Each follower's log length at the crash minus the crashed leader's, sorted ascending. */
  readonly deficits: readonly number[];
  /** Followers that could collect three votes from the four survivors (log at least as long as two others'). */
  readonly eligible: number;
  /** No initial leader within 20 s, or it lost leadership before the crash: nothing was measured (counted apart). */
  readonly setupFailed: boolean;
}

/** `seed` picks the world's seed; everything random in the trial derives from it. */
export function trial(s: TrialSetup, seed: number): TrialResult {
  const world = new World({
    seed,
    topology: { regions: [{ name: 'r', dcs: [{ name: 'dc', nodes: IDS }] }] },
    latency: { sameDc: s.oneWay, sameRegion: s.oneWay, crossRegion: s.oneWay },
    disk: { unsyncedLoss: 0, tornWrite: 0, blockingSyncLatencyUs: s.syncUs ?? 0, ...(s.asyncSyncUs === undefined ? {} : { syncLatencyUs: s.asyncSyncUs }) },
  });
  const hb = Math.floor(ms(s.minMs) / 2); // the paper: "half of the minimum election timeout for all tests"
  const cfg: Partial<RaftConfig> = {
    voters: IDS,
    electionTimeoutMinUs: ms(s.minMs),
    electionTimeoutMaxUs: ms(s.maxMs),
    heartbeatIntervalUs: hb,
    ...s.raft,
  };
  world.setup<App>((ctx) => {
    const env = ctx.env('raft');
    const raft = new RaftNode<number, number>(env, new Counter(), cfg);
    // Processes boot up to 100 ms apart: simulated timers are exact, so identical timeouts started
    // together would never break symmetry in the first election (not measured; see `setupFailed`).
    // A node not yet started still answers messages, and a vote request of a higher term starts
    // its timer (it steps down); starting it again later could arm an election timer on a node
    // that has meanwhile become leader, so only a node no campaign has reached is started.
    return { raft, start: () => env.after(env.random.int(ms(100)), () => raft.term() === 0 && raft.start()) };
  });
  world.start();
  const apps = () => IDS.filter((id) => world.isUp(id)).map((id) => world.app<App>(id)!.raft);
  const leader = () => apps().find((r) => r.isLeader());
  if (!world.runUntil(() => leader() !== undefined, sec(20))) return { us: Number.NaN, terms: 0, deficits: [], eligible: 0, setupFailed: true };
  const l = leader()!;
  const electedAt = world.now(); // its heartbeat ticks fall at electedAt + k·hb
  world.runFor(3 * hb); // steady state: every follower acknowledged, in pipelined replication
  const rng = world.rng('trial');
  const followers = rng.shuffle(IDS.filter((id) => id !== l.id()));
  for (let k = 1; k <= 3; k++) {
    if (s.unequalLogs) world.inject({ kind: 'partition', sides: [[l.id()], followers.slice(0, k)], oneWay: true });
    l.propose(k, () => {});
    // The flush (append + send) runs at once, or after a blocking fsync: a cut drops the message at send time.
    world.runFor(1 + (s.syncUs ?? 0));
    if (s.unequalLogs) world.inject({ kind: 'heal' });
    // Let this entry land before the next cut: a drop resets the simulated stream, which would also
    // drop what is still in flight on that link.
    world.runFor(s.settleUs);
  }
  // Wait for the leader's next heartbeat broadcast and crash within its interval.
  const nextTick = electedAt + Math.ceil((world.now() - electedAt) / hb + 1e-9) * hb;
  world.run(nextTick);
  world.runFor(rng.int(hb));
  // With timeouts near the round trip (12–24 ms over 7–8 ms links) leadership can change while the
  // logs are built; such a trial has no leader to crash and measures nothing.
  if (!l.isLeader() || apps().some((r) => r.term() > l.term())) return { us: Number.NaN, terms: 0, deficits: [], eligible: 0, setupFailed: true };
  const oldTerm = l.term();
  const last = l.lastIndex();
  const lens = followers.map((id) => world.app<App>(id)!.raft.lastIndex());
  const deficits = lens.map((n) => n - last).sort((a, b) => a - b);
  const eligible = lens.filter((n) => lens.filter((m) => m <= n).length >= 3).length;
  // The end point: each survivor has had a heartbeat (or AppendEntries) of a term after the crash.
  // Only a leader sends those, so the term of the last one says how many terms the election took.
  // (All from one leader: a term's set of servers that heard it; the new leader counts itself.)
  const heard = new Map<number, Set<string>>();
  let doneTerm = 0;
  world.tapDeliveries((to, from, _svc, msg) => {
    const m = msg as { type: string; term?: number };
    if ((m.type !== 'raft.append' && m.type !== 'raft.heartbeat') || m.term === undefined || m.term <= oldTerm) return;
    const set = heard.get(m.term) ?? new Set([from]);
    heard.set(m.term, set.add(to));
    if (set.size === followers.length && doneTerm === 0) doneTerm = m.term;
  });
  world.inject({ kind: 'crash', node: l.id() });
  const t0 = world.now();
  const ok = world.runUntil(() => doneTerm > 0, t0 + s.capUs);
  return { us: ok ? world.now() - t0 : Number.POSITIVE_INFINITY, terms: ok ? doneTerm - oldTerm : 0, deficits, eligible, setupFailed: false };
}
