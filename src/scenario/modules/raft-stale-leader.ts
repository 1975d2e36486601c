/**
 * `raft: staleLeader: { at: [5s, 15s] }` — a directed nemesis for the term gate of Raft Figure 2
 * ("if RPC request or response contains term T < currentTerm: reject", §5.1): a deposed leader
 * that still believes it leads sends appends of its old term to followers of a newer one. Once per
 * listed time:
 *  1. the KV workload goes write-idle (../../sim/workload/write-quiet.ts) until every voter's log
 *     equals the leader L's and is committed;
 *  2. L is paused (a GC stop) and cut off one way: the other voters cannot reach it, it can reach
 *     them. Writes resume: L's own clients queue requests at the paused L, the others elect a new
 *     leader that commits entries right after L's last one;
 *  3. once the new leader N has committed past L's log, the third voter X restarts (a follower
 *     that knows its term's leader drops a second one's appends anyway; after a restart it knows
 *     none) with N cut off from it, and L resumes: it takes its queued writes as leader of its old
 *     term and appends them at the indexes N committed, after a previous entry X shares. Correct
 *     Raft rejects the stale term; with `acceptStaleTerm` X replaces N's committed entries by L's;
 *  4. N crashes and the partitions heal: L and X elect a leader. Unmutated X holds N's newer
 *     entries and wins; mutated, both hold only L's old-term entries, and whoever wins lacks an
 *     entry committed before: the Raft safety checker's leader completeness rule fires.
 * Each round ends healed after HOLD_US. Steps are traced as `stale-leader` events.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { applyFault } from '../../sim/faults.ts';
import { setWritesQuiet } from '../../sim/workload/write-quiet.ts';
import { RoundsDriver, waitFor } from './directed-steps.ts';

/** How long a step waits: ten election timeouts of the default config (150-300 ms, src/core/raft/config.ts). */
const STEP_US: Micros = 3_000_000;
/** How long L keeps sending after it resumed, before the new leader crashes: a few heartbeats (50 ms). */
const SETTLE_US: Micros = 300_000;
/** How long the round holds after the last election, before it heals. */
const HOLD_US: Micros = 1_000_000;

export class StaleLeaderDriver extends RoundsDriver {
  protected readonly event = 'stale-leader';
  protected readonly needs = { key: 'staleLeader', voters: 3 } as const;

  private end(round: number, how: string, paused?: NodeId): void {
    setWritesQuiet(this.world, false);
    if (paused !== undefined) applyFault(this.world, { kind: 'resume', node: paused });
    applyFault(this.world, { kind: 'heal' });
    this.trace(round, 'end', { how });
  }

  protected round(k: number): void {
    const w = this.world;
    setWritesQuiet(w, true);
    waitFor(
      w,
      STEP_US,
      this.endUs,
      () => this.caughtUpLeader(),
      (l) => {
        const rl = this.up(l)!;
        const last = rl.lastIndex();
        const term = rl.term();
        const others = this.voters.filter((n) => n !== l);
        applyFault(w, { kind: 'pause', node: l });
        applyFault(w, { kind: 'partition', sides: [others, [l]], oneWay: true });
        setWritesQuiet(w, false);
        this.trace(k, 'paused', { leader: l, term, last });
        waitFor(
          w,
          STEP_US,
          this.endUs,
          () => {
            const n = others.find((o) => this.up(o)?.isLeader() && this.up(o)!.term() > term);
            return n !== undefined && this.up(n)!.commitIndex() > last + 1 ? n : undefined;
          },
          (n) => {
            // 3. X (the voter neither old nor new leader) restarts: it forgets who leads its term,
            // so only the term gate stands between it and L's appends. The new leader cannot reach it.
            const x = others.find((o) => o !== n)!;
            const tN = this.up(n)!.term();
            applyFault(w, { kind: 'crash', node: x });
            applyFault(w, { kind: 'partition', sides: [[n], [x]] });
            applyFault(w, { kind: 'restart', node: x });
            applyFault(w, { kind: 'resume', node: l });
            this.trace(k, 'resumed', { newLeader: n, term: tN, commit: this.up(n)!.commitIndex(), restarted: x });
            // 4. The new leader crashes: L and X must elect from what X kept.
            w.after(SETTLE_US, () => {
              applyFault(w, { kind: 'crash', node: n });
              applyFault(w, { kind: 'heal' });
              waitFor(
                w,
                STEP_US,
                this.endUs,
                () => [l, x].find((o) => this.up(o)?.isLeader() && this.up(o)!.term() > tN),
                (winner) => {
                  this.trace(k, 'elected', { leader: winner, term: this.up(winner)!.term() });
                  applyFault(w, { kind: 'restart', node: n });
                  w.after(HOLD_US, () => this.end(k, 'held'));
                },
                () => {
                  applyFault(w, { kind: 'restart', node: n });
                  this.end(k, 'gave up waiting: a leader among L and X');
                },
              );
            });
          },
          () => this.end(k, 'gave up waiting: a new leader committing past the old one', l),
        );
      },
      () => this.end(k, 'gave up waiting: a leader with every log equal and committed'),
    );
  }
}
