/**
 * A follower's commit index never exceeds what its leader verified (Raft Figure 2, AppendEntries
 * rule 5: commitIndex = min(leaderCommit, index of last new entry)). Client histories cannot show
 * this, and the log-level checks (raft-safety.ts) only see it once a wrongly committed entry is
 * applied against one the leader committed; this checks the moment the follower's commit moves.
 *
 * When a node that is not the leader advances its commit index to c in term T, the leader of T
 * (still leading T) must itself have committed c, and every newly committed entry the leader
 * still holds must be the leader's entry (same term and contents). An entry the leader never
 * sent cannot be equal to its own, so committing a stale suffix beyond the verified prefix is
 * caught at once. A violation throws RaftSafetyViolation (like raft-safety.ts), unless told not to.
 */
import type { RaftNode } from '../../core/raft/node.ts';
import { entryDigest, RaftSafetyViolation } from './raft-safety.ts';

type Inspectable = Pick<RaftNode, 'id' | 'addObserver' | 'entryAt' | 'firstIndex' | 'lastIndex' | 'commitIndex' | 'role' | 'term'>;

export class FollowerCommitChecker {
  readonly violations: string[] = [];
  /** Commits of followers checked against their leader. */
  checked = 0;
  private readonly throwOnViolation: boolean;
  /** The node (incarnation) that led each term. */
  private readonly leaderOf = new Map<number, Inspectable>();

  constructor(opts: { readonly throwOnViolation?: boolean } = {}) {
    this.throwOnViolation = opts.throwOnViolation ?? true;
  }

  private violation(msg: string): void {
    this.violations.push(msg);
    if (this.throwOnViolation) throw new RaftSafetyViolation(msg);
  }

  attach(node: Inspectable): void {
    let seen = node.commitIndex();
    node.addObserver({
      onRole: (role, term) => {
        if (role === 'leader') this.leaderOf.set(term, node);
      },
      onSnapshotInstalled: (index) => {
        if (index > seen) seen = index;
      },
      onCommit: (commit) => {
        const from = seen;
        if (commit > seen) seen = commit;
        if (node.role() === 'leader') return;
        const term = node.term();
        const leader = this.leaderOf.get(term);
        if (leader === undefined || leader === node || leader.role() !== 'leader' || leader.term() !== term) return;
        this.checked++;
        const who = `${node.id()} (term ${term}, leader ${leader.id()})`;
        if (commit > leader.commitIndex()) {
          this.violation(`follower commit beyond its leader: ${who} committed ${commit}, the leader only ${leader.commitIndex()}`);
          return;
        }
        const lo = Math.max(from + 1, node.firstIndex(), leader.firstIndex(), 1);
        const hi = Math.min(commit, node.lastIndex(), leader.lastIndex());
        for (let i = lo; i <= hi; i++) {
          const mine = node.entryAt(i);
          const theirs = leader.entryAt(i);
          if (mine === undefined || theirs === undefined) continue;
          if (mine.term !== theirs.term || entryDigest(mine) !== entryDigest(theirs)) {
            this.violation(`follower commit beyond what its leader verified: ${who} committed entry ${i} of term ${mine.term}, the leader's entry ${i} has term ${theirs.term}`);
            return;
          }
        }
      },
    });
  }
}
