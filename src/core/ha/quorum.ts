/**
 * The quorum decider (run on the Raft leader only). A transition of a target is proposed
 * when at least a quorum of live observers report the new state with fresh results, in
 * `confirmEvals` evaluations in a row (hysteresis on top of the observers' own debouncing).
 *
 * Quorum = max(majority of live observers, majority of known observers). The second term is
 * what makes "a minority cut off from a target cannot declare it DOWN" hold even when a
 * partition also hides some observers from the leader: DOWN needs more than half of every
 * observer the cluster knows, and only observers really cut off (or a dead target) say DOWN.
 * Observers that left the cluster are not known, so a shrinking cluster still decides.
 */
import { assert, type Micros, type NodeId } from '../env.ts';
import type { GossipDb } from './gossip-db.ts';
import type { Health, TargetKey } from './types.ts';
import { testMutant } from '../test-mutants.ts';

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function quorumSize(live: number, known: number): number {
  assert(live <= known, () => `quorum: live ${live} > known ${known}`);
  return testMutant('haMinorityQuorum') ? majority(live) : Math.max(majority(live), majority(known)); // TEST ONLY: the mutant branch
}

export interface Tally {
  readonly up: number;
  readonly down: number;
  readonly live: number;
  readonly known: number;
  readonly quorum: number;
}

/** Counts fresh results of live observers about one target. */
export function tally(
  db: GossipDb,
  target: TargetKey,
  live: ReadonlySet<NodeId>,
  known: ReadonlySet<NodeId>,
  nowUs: Micros,
  staleAfterUs: Micros,
): Tally {
  let up = 0;
  let down = 0;
  for (const s of db.results(target)) {
    const o = s.result.observer;
    if (!live.has(o) || !known.has(o)) continue;
    if (nowUs - s.receivedAtUs > staleAfterUs) continue;
    if (s.result.status === 'up') up++;
    else down++;
  }
  assert(up + down <= live.size, 'quorum: more votes than live observers');
  return { up, down, live: live.size, known: known.size, quorum: quorumSize(live.size, known.size) };
}

export interface Proposal {
  readonly key: TargetKey;
  readonly from: Health;
  readonly to: Health;
  readonly tally: Tally;
}

export class QuorumDecider {
  /** Candidate transition per target and how many evaluations in a row have seen it. */
  private readonly pending = new Map<TargetKey, { to: Health; count: number }>();

  constructor(
    private readonly confirmEvals: number,
    private readonly staleAfterUs: Micros,
  ) {
    assert(confirmEvals >= 1, 'quorum: confirmEvals >= 1');
  }

  /**
   * One evaluation. `declared` is the replicated state of every monitored target. Returns
   * the transitions to propose now (the caller keeps at most one proposal per target in flight).
   */
  evaluate(
    declared: ReadonlyMap<TargetKey, Health>,
    db: GossipDb,
    live: ReadonlySet<NodeId>,
    known: ReadonlySet<NodeId>,
    nowUs: Micros,
  ): Proposal[] {
    const out: Proposal[] = [];
    for (const key of [...this.pending.keys()]) if (!declared.has(key)) this.pending.delete(key);
    for (const key of [...declared.keys()].sort()) {
      const state = declared.get(key)!;
      const t = tally(db, key, live, known, nowUs, this.staleAfterUs);
      const to: Health | undefined =
        state === 'up' && t.down >= t.quorum ? 'down' : state === 'down' && t.up >= t.quorum ? 'up' : undefined;
      if (to === undefined) {
        this.pending.delete(key);
        continue;
      }
      const p = this.pending.get(key);
      const count = p && p.to === to ? p.count + 1 : 1;
      this.pending.set(key, { to, count: Math.min(count, this.confirmEvals) });
      if (count >= this.confirmEvals) out.push({ key, from: state, to, tally: t });
    }
    return out;
  }

  /** Forget every candidate (on losing leadership: a new leader starts looking afresh). */
  reset(): void {
    this.pending.clear();
  }
}
