/**
 * `raft: voteInLease: { at: [5s, 15s] }` — a directed nemesis for the vote-refusal half of
 * CheckQuorum (etcd; dissertation §6.4.1): a follower that heard from its leader within an
 * election timeout refuses (pre-)votes, which is what makes the leader's lease safe. With lease
 * reads on, a leader that cannot reach a quorum stops extending its lease anyway, so the only way
 * the lease outlives a newer leader is a vote granted while the voter still follows the old one.
 *
 * Once per listed time, on three or more voters:
 *  1. the KV workload goes write-idle (../../sim/workload/write-quiet.ts) and the driver waits
 *     until every voter's log equals the leader L's and is committed: a follower cut off from L
 *     would otherwise lag the others and be refused by the log check, whatever CheckQuorum says;
 *  2. the link between L and one follower F is cut (a partial partition: L still reaches the
 *     others, and every client reaches every server);
 *  3. correct Raft: F's pre-votes are refused by followers still in L's lease, so F never leads
 *     and the round gives up after STEP_US. With `noCheckQuorum` F wins; the driver then ends the
 *     write-idle window and cuts L off from every voter (clients still reach it). L's lease,
 *     extended by the last quorum acknowledgement, still runs, so L answers its clients' default
 *     (lease) reads from its old state while F commits their writes: the KV history is no longer
 *     linearizable.
 * Each round ends healed after HOLD_US. Steps are traced as `vote-in-lease` events.
 */
import type { Micros } from '../../core/env.ts';
import { applyFault } from '../../sim/faults.ts';
import { setWritesQuiet } from '../../sim/workload/write-quiet.ts';
import { RoundsDriver, waitFor } from './directed-steps.ts';

/** How long a step waits: ten election timeouts of the default config (150-300 ms, src/core/raft/config.ts). */
const STEP_US: Micros = 3_000_000;
/** How long L stays cut off after F won: several lease lengths (150 ms, src/core/raft/config.ts), for the reads to land. */
const HOLD_US: Micros = 1_000_000;

export class VoteInLeaseDriver extends RoundsDriver {
  protected readonly event = 'vote-in-lease';
  protected readonly needs = { key: 'voteInLease', voters: 3 } as const;

  private end(round: number, how: string): void {
    setWritesQuiet(this.world, false);
    applyFault(this.world, { kind: 'heal' });
    this.trace(round, 'end', { how });
  }

  protected round(k: number): void {
    const w = this.world;
    setWritesQuiet(w, true);
    const giveUp = (step: string) => () => this.end(k, `gave up waiting: ${step}`);
    waitFor(
      w,
      STEP_US,
      this.endUs,
      () => this.caughtUpLeader(),
      (l) => {
        const tL = this.up(l)!.term();
        const f = this.voters.find((n) => n !== l)!;
        applyFault(w, { kind: 'partition', sides: [[l], [f]] });
        this.trace(k, 'cut', { leader: l, follower: f, term: tL });
        waitFor(
          w,
          STEP_US,
          this.endUs,
          () => (this.up(f)?.isLeader() && this.up(f)!.term() > tL ? true : undefined),
          () => {
            setWritesQuiet(w, false);
            applyFault(w, { kind: 'partition', sides: [[l], this.voters.filter((n) => n !== l)] });
            this.trace(k, 'follower-won', { leader: f, term: this.up(f)!.term(), old: l, oldStillLeads: this.up(l)?.isLeader() === true });
            w.after(HOLD_US, () => this.end(k, 'held'));
          },
          giveUp('the cut-off follower to lead'),
        );
      },
      giveUp('a leader with every log equal and committed'),
    );
  }
}
