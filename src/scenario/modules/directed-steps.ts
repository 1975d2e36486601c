/**
 * What the directed nemeses share (raft-figure8.ts, raft-vote-in-lease.ts, raft-stale-commit.ts,
 * raft-stale-leader.ts): the polling step — wait for a precondition on the simulated state,
 * checked every POLL_US of virtual time, for at most `limitUs` (never past the run's end), then
 * act, or give up — and the frame of a driver that plays one round at each listed time.
 * Deterministic: it reads the simulated state at simulated instants only.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import type { ServerRaft } from '../../core/node/index.ts';
import type { World } from '../../sim/world.ts';
import type { View } from '../yaml-view.ts';

/** How often a step re-checks its precondition (virtual time). */
export const POLL_US: Micros = 2_000;

interface Clock {
  now(): Micros;
  after(d: Micros, fn: () => void): unknown;
}

export function waitFor<T>(w: Clock, limitUs: Micros, endUs: Micros, ready: () => T | undefined, then: (v: T) => void, giveUp: () => void): void {
  const deadline = Math.min(w.now() + limitUs, endUs);
  const poll = () => {
    const v = ready();
    if (v !== undefined) return then(v);
    if (w.now() + POLL_US > deadline) return giveUp();
    w.after(POLL_US, poll);
  };
  poll();
}

/** A directed nemesis's section: `{ at: [T, ...] }`, one round at each time. */
export interface RoundsConfig {
  readonly atUs: readonly Micros[];
}

export function parseRounds(v: View): RoundsConfig {
  v.allowKeys(['at']);
  return { atUs: v.get('at').required().list().map((t) => t.duration()) };
}

/** A directed nemesis over the Raft voters: one `round(k)` at each listed time, steps traced as `event` events. */
export abstract class RoundsDriver {
  /** The trace event its steps are recorded as. */
  protected abstract readonly event: string;
  /** Its `raft:` key (for the error) and the voters a round needs: at least that many, or exactly. */
  protected abstract readonly needs: { readonly key: string; readonly voters: 3; readonly exactly?: boolean };

  constructor(
    protected readonly world: World,
    protected readonly voters: readonly NodeId[],
    private readonly raftOf: (n: NodeId) => ServerRaft | undefined,
    private readonly cfg: RoundsConfig,
    protected readonly endUs: Micros,
  ) {}

  protected abstract round(k: number): void;

  start(): void {
    const n = this.needs;
    if (n.exactly ? this.voters.length !== n.voters : this.voters.length < n.voters) throw new Error(`raft.${n.key} needs ${n.exactly ? '' : 'at least '}three voters`);
    this.cfg.atUs.forEach((t, k) => this.world.at(t, () => this.round(k)));
  }

  protected up(n: NodeId): ServerRaft | undefined {
    return this.world.isUp(n) ? this.raftOf(n) : undefined;
  }

  /** The leader, once every voter holds its whole log and all of it is committed (a quiet, caught-up group); else undefined. */
  protected caughtUpLeader(): NodeId | undefined {
    const l = this.voters.find((n) => this.up(n)?.isLeader());
    if (l === undefined) return undefined;
    const r = this.up(l)!;
    const last = r.lastIndex();
    return this.voters.every((n) => this.up(n)?.lastIndex() === last) && r.commitIndex() === last ? l : undefined;
  }

  protected trace(round: number, step: string, fields: Record<string, unknown> = {}): void {
    this.world.emit(this.event, { round, step, ...fields });
  }
}
