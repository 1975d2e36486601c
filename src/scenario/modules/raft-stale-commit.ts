/**
 * `raft: staleCommit: { at: [7s, 23s] }` — a directed nemesis for the read rule of Raft §8 /
 * dissertation §6.4 step 1: a new leader may know a commit index behind what its predecessor
 * committed (commits reach followers with the next append), so it serves no read before an entry
 * of its own term commits. The rule matters only while that first commit is slow, which this
 * driver arranges, once per listed time, on three voters L (leader), F, G:
 *  1. G is made slow (each delivery handled SLOW_US late) and cut off from L for LAG_US, while
 *     the clients keep writing: G's log falls far behind (more than one append of 64 entries);
 *  2. at an instant when L has committed entries F does not know are committed (L's commit index
 *     above F's), L is cut off from both voters (its clients still reach it: L itself serves
 *     nothing stale, its lease and ReadIndex rounds need a quorum);
 *  3. F is elected with G's vote. Its leadership is confirmed by one heartbeat round with G, but
 *     its term's first entry (the no-op) commits only once G has caught up, several slow round
 *     trips later. With `readBeforeTermCommit` F serves its clients' reads in between from its
 *     old commit index and misses writes L had acknowledged: the KV history is not linearizable.
 * Each round ends healed after HOLD_US. Steps are traced as `stale-commit` events.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { applyFault } from '../../sim/faults.ts';
import { RoundsDriver, waitFor } from './directed-steps.ts';

/** How long G is cut off from L: at the scenarios' write rates (tens a second) well over 64 entries. */
const LAG_US: Micros = 2_000_000;
/** G's extra handling delay: two default heartbeats (50 ms, src/core/raft/config.ts), so each catch-up round is slow. */
const SLOW_US: Micros = 100_000;
/** How long a step waits: ten election timeouts of the default config (150-300 ms). */
const STEP_US: Micros = 3_000_000;
/** How long L stays cut off once F leads: G's catch-up and the reads around it. */
const HOLD_US: Micros = 2_000_000;

export class StaleCommitDriver extends RoundsDriver {
  protected readonly event = 'stale-commit';
  protected readonly needs = { key: 'staleCommit', voters: 3, exactly: true } as const;

  private end(round: number, how: string): void {
    applyFault(this.world, { kind: 'heal' });
    this.trace(round, 'end', { how });
  }

  protected round(k: number): void {
    const w = this.world;
    const giveUp = (step: string) => () => this.end(k, `gave up waiting: ${step}`);
    waitFor(
      w,
      STEP_US,
      this.endUs,
      () => (this.voters.every((n) => w.isUp(n)) ? this.voters.find((n) => this.up(n)?.isLeader()) : undefined),
      (l) => {
        const [f, g] = this.voters.filter((n) => n !== l) as [NodeId, NodeId];
        applyFault(w, { kind: 'slow-node', node: g, extra: SLOW_US, for: LAG_US + STEP_US + HOLD_US });
        applyFault(w, { kind: 'partition', sides: [[l], [g]], for: LAG_US });
        this.trace(k, 'lag', { leader: l, f, g });
        w.after(LAG_US, () =>
          waitFor(
            w,
            STEP_US,
            this.endUs,
            () => {
              const rl = this.up(l);
              const rf = this.up(f);
              return rl?.isLeader() && rf !== undefined && rl.commitIndex() > rf.commitIndex() ? { l: rl.commitIndex(), f: rf.commitIndex(), g: this.up(g)?.lastIndex() } : undefined;
            },
            (at) => {
              applyFault(w, { kind: 'partition', sides: [[l], [f, g]] });
              this.trace(k, 'cut', { commitL: at.l, commitF: at.f, lastG: at.g });
              waitFor(
                w,
                STEP_US,
                this.endUs,
                () => (this.up(f)?.isLeader() ? true : undefined),
                () => {
                  const rf = this.up(f)!;
                  this.trace(k, 'elected', { leader: f, term: rf.term(), commit: rf.commitIndex(), last: rf.lastIndex() });
                  w.after(HOLD_US, () => this.end(k, 'held'));
                },
                giveUp('F to lead'),
              );
            },
            giveUp('L to commit ahead of F'),
          ),
        );
      },
      giveUp('a leader with every voter up'),
    );
  }
}
