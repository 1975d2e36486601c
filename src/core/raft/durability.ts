/**
 * Asynchronous storage writes for Raft (etcd raft's AsyncStorageWrites; Ongaro's dissertation
 * §10.2.1). Appends return at once and become durable later (RaftLog.syncAsync); the rules that
 * keep that safe:
 *
 *  - the leader sends AppendEntries before its own write is durable, and counts itself toward a
 *    commit only up to its durable index (node.ts maybeCommit);
 *  - a follower answers an append (success, matchIndex) only once the entries it acknowledges are
 *    durable: the answer waits here (AckAfterDurable) and leaves when the write completes;
 *  - term and vote stay synchronous (RaftNode.persistHardState syncs before a vote.resp leaves;
 *    they change once an election).
 *
 * node.ts asserts the first two where the messages leave (ackAppend) and where the commit moves.
 */
import type { NodeId } from '../env.ts';

interface HeldAck {
  readonly to: NodeId;
  readonly term: number;
  /** Highest index acknowledged to `to` in `term` once durable. */
  match: number;
  /** Highest index already acknowledged (its durable prefix). */
  sent: number;
}

/**
 * The follower's acknowledgement waiting for its write. Acks are cumulative (matchIndex), so one
 * held ack per (leader, term) suffices: a later append raises it, a durable prefix is
 * acknowledged as soon as it is, and a new term or leader drops it (the old leader is deposed).
 */
export class AckAfterDurable {
  private held: HeldAck | undefined;

  /** Holds an ack of `match` to `to` in `term` until durable. */
  hold(to: NodeId, term: number, match: number): void {
    const h = this.held;
    if (h !== undefined && h.to === to && h.term === term) {
      if (match > h.match) h.match = match;
      return;
    }
    this.held = { to, term, match, sent: 0 };
  }

  /**
   * What may be acknowledged now that entries up to `durable` are: the index to ack to the held
   * ack's leader, or undefined. Drops the held ack once it is fully sent or stale.
   */
  release(term: number, leader: NodeId | undefined, durable: number): { to: NodeId; match: number } | undefined {
    const h = this.held;
    if (h === undefined) return undefined;
    if (h.term !== term || h.to !== leader) {
      this.held = undefined;
      return undefined;
    }
    const match = Math.min(h.match, durable);
    if (match >= h.match) this.held = undefined;
    if (match <= h.sent) return undefined;
    h.sent = match;
    return { to: h.to, match };
  }

  /** Drops the held ack (the node stopped, or became leader). */
  clear(): void {
    this.held = undefined;
  }
}
