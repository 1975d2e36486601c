/**
 * Shared types of the health-quorum failover service (the seeds' CouchbaseHAService, made
 * rigorous). A monitored target is a key of the replicated HA state; every node checks every
 * target, spreads its latest result by gossip, and the Raft leader declares UP/DOWN events
 * when a quorum of live observers agree.
 */
import type { Micros, NodeId } from '../env.ts';

/** What one check says about a target. */
export type Health = 'up' | 'down';

/** A monitored target's key in the replicated state (e.g. "couchbase/eu-1"). */
export type TargetKey = string;

/** A monitored target: its key and the opaque value handed to probes and notifications. */
export interface TargetConfig {
  readonly key: TargetKey;
  /** e.g. the cluster's address; the probe decides how to read it. */
  readonly value: string;
}

/**
 * The latest result of one observer about one target. (boot, seq) orders results of one
 * observer: boot is a counter persisted by the observer (bumped on every start) so results
 * stay ordered across restarts and clock skew, which node-local timestamps would not.
 */
export interface CheckResult {
  readonly target: TargetKey;
  readonly observer: NodeId;
  readonly status: Health;
  readonly boot: number;
  readonly seq: number;
  /** Observer-local time of the check (informational only: clocks are skewed). */
  readonly checkedAtUs: Micros;
}

/** A declared transition, as written through Raft. */
export interface HaEvent {
  /** Raft index of the entry that applied it: unique and increasing. */
  readonly id: number;
  readonly key: TargetKey;
  readonly from: Health;
  readonly to: Health;
  /** The leader that decided it and its local time then (informational). */
  readonly decidedBy: NodeId;
  readonly decidedAtUs: Micros;
  /** How many observers agreed, out of how many live / known ones. */
  readonly agree: number;
  readonly live: number;
  readonly known: number;
}

/**
 * A failover group: ordered targets (first is the preferred primary) and the "active" one
 * that the dynamic client config points at (the two-region / three-DC Couchbase story).
 */
export interface FailoverGroup {
  readonly name: string;
  readonly targets: readonly TargetKey[];
  readonly active: TargetKey;
  /** true when the active target is DOWN and no UP target was left to move to. */
  readonly unavailable: boolean;
}

/** A move of a group's active key, reported with the event that caused it. */
export interface ActiveChange {
  readonly group: string;
  readonly from: TargetKey;
  readonly to: TargetKey;
}
