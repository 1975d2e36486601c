/**
 * `hanode agent --raft-heartbeat-interval D --raft-election-timeout MIN-MAX`: Raft timings for
 * one agent, overriding AGENT_RAFT_DEFAULTS (src/hanode/agent.ts). A cross-region cluster
 * tunes them as etcd's tuning guide says (heartbeat near the round trip, election timeout
 * ~10 heartbeats); `hasim run --real` passes a scenario's raft timings this way.
 */
import type { RaftConfig } from '../core/raft/index.ts';
import { parseGoDuration } from './http/duration.ts';

export function raftTimingFlags(heartbeat: string | undefined, election: string | undefined): Partial<RaftConfig> | string {
  const out: { heartbeatIntervalUs?: number; electionTimeoutMinUs?: number; electionTimeoutMaxUs?: number } = {};
  if (heartbeat !== undefined) {
    const us = parseGoDuration(heartbeat);
    if (us === undefined || us <= 0) return `bad --raft-heartbeat-interval ${JSON.stringify(heartbeat)}`;
    out.heartbeatIntervalUs = us;
  }
  if (election !== undefined) {
    const [a, b] = election.split('-');
    const min = a === undefined ? undefined : parseGoDuration(a);
    const max = b === undefined ? min : parseGoDuration(b);
    if (min === undefined || max === undefined || min <= 0 || max < min) return `bad --raft-election-timeout ${JSON.stringify(election)} (want MIN-MAX, e.g. 1s-2s)`;
    out.electionTimeoutMinUs = min;
    out.electionTimeoutMaxUs = max;
  }
  if (out.heartbeatIntervalUs !== undefined && out.electionTimeoutMinUs !== undefined && out.heartbeatIntervalUs >= out.electionTimeoutMinUs) return 'the heartbeat interval must be shorter than the election timeout';
  return out;
}

/**
 * `hanode agent --raft-snapshot-threshold N --raft-trailing-logs N --raft-snapshot-interval D`: Consul's
 * raft_snapshot_threshold (entries between snapshots), raft_trailing_logs (entries kept behind one)
 * and raft_snapshot_interval (least time between two), overriding AGENT_RAFT_DEFAULTS. Small values
 * make every few hundred writes take a snapshot and compact the log (the kill -9 test of snapshots,
 * test/hanode/snapshot-kill.test.ts).
 */
export function raftSnapshotFlags(threshold: string | undefined, trailing: string | undefined, interval?: string): Partial<RaftConfig> | string {
  const out: { snapshotThresholdEntries?: number; snapshotTrailingEntries?: number; snapshotIntervalUs?: number; snapshotMaxEntries?: number } = {};
  if (interval !== undefined) {
    const us = parseGoDuration(interval);
    if (us === undefined || us < 0) return `bad --raft-snapshot-interval ${JSON.stringify(interval)}`;
    out.snapshotIntervalUs = us;
  }
  if (threshold !== undefined) {
    if (!/^\d{1,9}$/.test(threshold) || Number(threshold) < 1) return `bad --raft-snapshot-threshold ${JSON.stringify(threshold)} (want a count >= 1)`;
    out.snapshotThresholdEntries = Number(threshold);
    out.snapshotMaxEntries = 4 * out.snapshotThresholdEntries; // as AGENT_RAFT_DEFAULTS: 4 x the threshold
  }
  if (trailing !== undefined) {
    if (!/^\d{1,9}$/.test(trailing)) return `bad --raft-trailing-logs ${JSON.stringify(trailing)} (want a count >= 0)`;
    out.snapshotTrailingEntries = Number(trailing);
  }
  return out;
}
