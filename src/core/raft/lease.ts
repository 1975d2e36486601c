/**
 * The leader lease of lease reads (dissertation §6.4.1): after a quorum acknowledged a heartbeat
 * sent at time s, no voter of that quorum grants a vote to anyone else before s plus an election
 * timeout on its own clock, so the leader may serve reads without a round until then (less the
 * allowed clock drift, which the caller folds into the duration). Measured on the leader's local
 * clock; a clock seen stepping backwards voids the lease, whose start is no longer comparable.
 */
import type { Micros } from '../env.ts';
import { testMutant } from '../test-mutants.ts';

export class Lease {
  private untilUs: Micros = 0;
  /** Latest local time seen (detects a clock stepped backwards). */
  private clockUs: Micros = 0;

  private observe(nowUs: Micros): void {
    if (nowUs < this.clockUs) this.untilUs = 0;
    this.clockUs = nowUs;
  }

  /** Whether the lease holds now. */
  valid(nowUs: Micros): boolean {
    this.observe(nowUs);
    return nowUs < this.untilUs;
  }

  /** A quorum acknowledged the heartbeat sent at `sentAtUs`: the lease runs to sentAtUs + durationUs. */
  extend(sentAtUs: Micros, durationUs: Micros, nowUs: Micros): void {
    this.observe(nowUs);
    const end = sentAtUs + durationUs * (testMutant('leaseOutlivesTtl') ? 3 : 1); // TEST ONLY: the factor
    if (end > this.untilUs && sentAtUs <= nowUs) this.untilUs = end;
  }
}
