/**
 * Which observers exist (known) and which are alive (live), as the quorum decider needs.
 * With SWIM, both come from membership (alive vs. alive+suspect+dead, excluding left).
 * Without it, `HeartbeatObservers` takes a configured observer list as known and treats an
 * observer as live while its gossiped results keep arriving (every observer republishes
 * on every check, so silence for staleAfterUs means dead or cut off from us).
 */
import type { Env, Micros, NodeId } from '../env.ts';
import type { GossipDb } from './gossip-db.ts';

export interface ObserverView {
  live(): ReadonlySet<NodeId>;
  known(): ReadonlySet<NodeId>;
}

export class HeartbeatObservers implements ObserverView {
  private readonly all: ReadonlySet<NodeId>;
  constructor(
    private readonly env: Env,
    observers: readonly NodeId[],
    private readonly db: GossipDb,
    private readonly staleAfterUs: Micros,
  ) {
    this.all = new Set(observers);
  }
  known(): ReadonlySet<NodeId> {
    return this.all;
  }
  live(): ReadonlySet<NodeId> {
    const seen = this.db.observersSeenSince(this.env.now() - this.staleAfterUs);
    const live = new Set(seen.filter((o) => this.all.has(o)));
    if (this.all.has(this.env.self)) live.add(this.env.self);
    return live;
  }
}
