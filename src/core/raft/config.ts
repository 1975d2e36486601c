/**
 * Raft configuration with documented defaults. Every default cites where it comes from.
 * All durations are integer microseconds (see ../env.ts).
 */
import { ms, sec, type Micros, type NodeId } from '../env.ts';
import type { RaftMutation } from './mutations.ts';

export type ReadMode =
  /** Linearizable: confirm leadership with one heartbeat round of a quorum (Raft dissertation §6.4). */
  | 'read-index'
  /**
   * Linearizable if clocks drift by at most `maxClockDriftRatio`: the leader serves reads without a
   * round while its lease (started when a quorum acknowledged a heartbeat) is valid (dissertation §6.4.1).
   */
  | 'lease'
  /** Not linearizable: the local state machine as it is (explicit opt-in, any role). */
  | 'stale';

export interface RaftConfig {
  /** Initial voters, used only when storage holds no membership yet (bootstrap). Empty: join later. */
  readonly voters: readonly NodeId[];
  /**
   * Randomised election timeout range. Raft paper §9.3 recommends 150–300 ms for LAN broadcast
   * times of 0.5–20 ms; etcd's default is 1000 ms (10 × 100 ms heartbeat).
   */
  readonly electionTimeoutMinUs: Micros;
  readonly electionTimeoutMaxUs: Micros;
  /**
   * Leader heartbeat period. Must be well below electionTimeoutMinUs (paper §5.6: broadcastTime ≪
   * electionTimeout); etcd uses election = 10 × heartbeat, the paper's §9.3 experiment used half the
   * minimum election timeout. We use a third of the minimum (50 ms for 150 ms).
   */
  readonly heartbeatIntervalUs: Micros;
  /**
   * Restart the election timer whenever a higher term makes us step down (etcd: becomeFollower → reset)
   * rather than only on hearing the leader, granting a vote or campaigning (LogCabin, the paper's code).
   * Default true (etcd): with exact simulated timers the other rule can keep equal timeouts in lockstep
   * forever, while this one adds the network's jitter at each step down (bench/raft-election.ts
   * measures both: the LogCabin rule has shorter tails for wide ranges, but livelocks for 150–150 ms).
   */
  readonly resetTimerOnStepDown: boolean;
  /** Pre-vote phase before bumping the term (dissertation §9.6; etcd Config.PreVote). On by default. */
  readonly preVote: boolean;
  /** Leader steps down without a quorum's contact within electionTimeoutMinUs (etcd Config.CheckQuorum). */
  readonly checkQuorum: boolean;
  /** Max entries in one AppendEntries (hashicorp/raft Config.MaxAppendEntries = 64). */
  readonly maxEntriesPerAppend: number;
  /** Max appends in flight per follower (pipelining bound; hashicorp/raft rpcMaxPipeline = 128). */
  readonly maxInflightAppends: number;
  /** Take a snapshot after this many applied entries since the last (hashicorp/raft SnapshotThreshold = 8192). */
  readonly snapshotThresholdEntries: number;
  /** Entries kept behind a snapshot for slow followers (hashicorp/raft TrailingLogs = 10240; etcd SnapshotCatchUpEntries = 5000). */
  readonly snapshotTrailingEntries: number;
  /**
   * Least time between two snapshots, drawn per snapshot in [interval, 2 x interval) so the servers
   * do not all snapshot at once: hashicorp/raft checks for snapshotThresholdEntries at a random time
   * in that range (SnapshotInterval, 120 s; Consul sets 30 s). 0 (default): snapshot as soon as the
   * threshold is reached.
   */
  readonly snapshotIntervalUs: Micros;
  /**
   * With an interval: snapshot regardless of it once this many entries accumulated, drawn per
   * snapshot in [max / 2, max] so the servers do not reach it at once (bounds a log held in memory); 0: no bound.
   */
  readonly snapshotMaxEntries: number;
  /** InstallSnapshot chunk size in bytes of the serialised snapshot (paper Figure 13 offset/data/done; 64 KiB like etcd's 64 KiB snapshot stream buffer). */
  readonly snapshotChunkBytes: number;
  /** Bound on proposals waiting for their entry to apply (etcd bounds uncommitted entries via MaxUncommittedEntriesSize). */
  readonly maxPendingProposals: number;
  /** Bound on read barriers waiting (same reason). */
  readonly maxPendingReads: number;
  /** A read barrier gives up after this (etcd's ReadIndex requests time out with the request timeout, ~5 s; we use 2 s). */
  readonly readTimeoutUs: Micros;
  readonly readMode: ReadMode;
  /**
   * read-index / lease mode on a follower: false (default) answers not-leader with a hint (the caller
   * redirects); true asks the leader for a read index and waits until applied locally (etcd forwards
   * MsgReadIndex to the leader the same way). Lets followers serve linearizable reads.
   */
  readonly followerReads: boolean;
  /**
   * Lease reads: bound on the rate difference between any two clocks (dissertation §6.4.1 assumes
   * bounded drift). The lease lasts electionTimeoutMinUs × (1 − maxClockDriftRatio) from the send time of
   * the heartbeat a quorum acknowledged. NTP-disciplined clocks drift ≪ 1e-3; 0.05 is a wide margin.
   * Clocks must not be stepped: a leader whose clock steps back drops its lease, but a follower whose
   * clock steps forward may vote early, which no leader can see (use read-index where that can happen).
   */
  readonly maxClockDriftRatio: number;
  /** A learner counts as caught up when its match index is within this of the commit index (Consul autopilot MaxTrailingLogs = 250). */
  readonly promoteMaxLagEntries: number;
  /** Leadership transfer gives up after this (etcd aborts a transfer after one election timeout). */
  readonly transferTimeoutUs: Micros;
  /** Committed entries applied per event before yielding (bounds one event's work; etcd MaxCommittedSizePerReady). */
  readonly maxApplyBatch: number;
  /** Client dedup table size; least recently used client sessions are evicted (dissertation §6.3). */
  readonly maxClientSessions: number;

  /** TEST ONLY, breaks safety: the paper rules to break (mutations.ts). Absent or empty in every real use. */
  readonly mutations?: ReadonlySet<RaftMutation>;
}

export const DEFAULT_RAFT_CONFIG: RaftConfig = {
  voters: [],
  electionTimeoutMinUs: ms(150),
  electionTimeoutMaxUs: ms(300),
  heartbeatIntervalUs: ms(50),
  resetTimerOnStepDown: true,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 64,
  maxInflightAppends: 128,
  snapshotThresholdEntries: 8192,
  snapshotTrailingEntries: 10240,
  snapshotIntervalUs: 0,
  snapshotMaxEntries: 0,
  snapshotChunkBytes: 64 * 1024,
  maxPendingProposals: 10_000,
  maxPendingReads: 10_000,
  readTimeoutUs: sec(2),
  readMode: 'read-index',
  followerReads: false,
  maxClockDriftRatio: 0.05,
  promoteMaxLagEntries: 250,
  transferTimeoutUs: ms(300),
  maxApplyBatch: 1024,
  maxClientSessions: 10_000,
};

/** Fills in defaults and checks the values make sense together. */
export function resolveConfig(partial: Partial<RaftConfig>): RaftConfig {
  const c: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...partial };
  const problems: string[] = [];
  if (!(c.electionTimeoutMinUs > 0)) problems.push('electionTimeoutMinUs must be > 0');
  if (c.electionTimeoutMaxUs < c.electionTimeoutMinUs) problems.push('electionTimeoutMaxUs < electionTimeoutMinUs');
  if (!(c.heartbeatIntervalUs > 0 && c.heartbeatIntervalUs < c.electionTimeoutMinUs)) {
    problems.push('heartbeatIntervalUs must be in (0, electionTimeoutMinUs)');
  }
  if (c.maxEntriesPerAppend < 1) problems.push('maxEntriesPerAppend must be >= 1');
  if (c.maxInflightAppends < 1) problems.push('maxInflightAppends must be >= 1');
  if (c.snapshotThresholdEntries < 1) problems.push('snapshotThresholdEntries must be >= 1');
  if (c.snapshotTrailingEntries < 0) problems.push('snapshotTrailingEntries must be >= 0');
  if (c.snapshotChunkBytes < 1) problems.push('snapshotChunkBytes must be >= 1');
  if (!(c.snapshotIntervalUs >= 0)) problems.push('snapshotIntervalUs must be >= 0');
  if (c.snapshotMaxEntries !== 0 && c.snapshotMaxEntries < c.snapshotThresholdEntries) problems.push('snapshotMaxEntries must be 0 or >= snapshotThresholdEntries');
  if (c.readMode === 'lease' && !c.checkQuorum) problems.push('lease reads need checkQuorum (followers refuse votes within a lease)');
  if (!(c.maxClockDriftRatio >= 0 && c.maxClockDriftRatio < 1)) problems.push('maxClockDriftRatio must be in [0, 1)');
  if (new Set(c.voters).size !== c.voters.length) problems.push('voters must be distinct');
  if (problems.length > 0) throw new Error(`invalid raft config: ${problems.join('; ')}`);
  return c;
}
