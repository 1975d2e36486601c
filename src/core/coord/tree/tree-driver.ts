/**
 * TreeDriver: the leader's ZooKeeper session tracker and container manager.
 *
 * Tree servers report the sessions their clients pinged (ZooKeeper followers send the same
 * in their PINGs to the leader); the driver expires a session that was not heard from within
 * its timeout by proposing `zk.session.expire`. On a leader change every session gets a full
 * timeout again (ZooKeeper's new leader likewise re-arms all sessions from its snapshot).
 * Every ZK_CONTAINER_CHECK_US it proposes `zk.reap` for empty containers.
 */
import { DRIVER_MAX_ATTEMPTS, MAX_SESSIONS, ZK_CONTAINER_CHECK_US } from '../config.ts';
import { Deadlines } from '../deadlines.ts';
import { LeaderDriver } from '../leader-driver.ts';
import type { Env, Micros, Timer } from '../../env.ts';
import type { Replicator } from '../../raft/api.ts';
import type { CoordStore } from '../../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../../store/commands.ts';
import type { AppliedEntry } from '../../store/effects.ts';

/** Bound on containers reaped per round (ZooKeeper: znode.container.maxPerMinute, default 10000). */
const MAX_REAP_PER_ROUND = 10_000;

export class TreeDriver extends LeaderDriver {
  private readonly deadlines: Deadlines;
  private reaper: Timer | undefined;

  constructor(env: Env, raft: Replicator<StoreCommand, StoreResult>, store: CoordStore, private readonly containerCheckUs: Micros = ZK_CONTAINER_CHECK_US) {
    super(env, raft, store);
    this.deadlines = new Deadlines(env, (id) => this.expire(id), MAX_SESSIONS);
  }

  /** Sessions a server heard from; resets their timeouts. Ignored unless leader. */
  touch(sessions: readonly string[]): void {
    if (!this.active) return;
    for (const id of sessions) {
      const s = this.store.tree.getSession(id);
      if (s && this.deadlines.has(id)) this.deadlines.setAfter(id, s.timeoutUs);
    }
  }

  protected promote(): void {
    for (const s of this.store.tree.listSessions()) this.deadlines.setAfter(s.id, s.timeoutUs);
    this.scheduleReap();
  }

  protected demote(): void {
    this.deadlines.clear();
    this.reaper?.cancel();
    this.reaper = undefined;
  }

  protected onApplied(e: AppliedEntry): void {
    for (const fx of e.effects) {
      if (fx.kind === 'zk.session.created') this.deadlines.setAfter(fx.id, fx.timeoutUs);
      else if (fx.kind === 'zk.session.removed') this.deadlines.delete(fx.id);
    }
  }

  private scheduleReap(): void {
    this.reaper = this.env.after(this.containerCheckUs, () => {
      if (!this.active) return;
      for (const path of this.store.tree.emptyContainers().slice(0, MAX_REAP_PER_ROUND)) {
        // One attempt each: the next round proposes again what is still empty.
        this.proposeRetrying({ type: 'zk.reap', path }, () => this.store.tree.exists(path) !== undefined, DRIVER_MAX_ATTEMPTS);
      }
      this.scheduleReap();
    });
  }

  private expire(id: string): void {
    if (!this.store.tree.hasSession(id)) return;
    this.env.trace('zk.session.expire', { id });
    // Re-validated before every attempt: not re-armed since (a promote restarts every session).
    this.proposeRetrying({ type: 'zk.session.expire', session: id }, () => this.store.tree.hasSession(id) && !this.deadlines.has(id));
  }
}
