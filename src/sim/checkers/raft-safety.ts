/**
 * Raft safety over a simulated run (paper Figure 3):
 * - Election Safety: at most one leader per term;
 * - Log Matching: entries with the same index and term are identical, and so are their prefixes;
 * - Leader Completeness (§5.4): an entry committed in term T is in the log of every leader of a
 *   term > T (a leader of an older term, elected late, need not have it: it cannot commit);
 * - committed entries are never lost or changed;
 * - State Machine Safety: every node applies the same entry at a given index;
 * - Commit quorum, judged against configurations: when a leader commits index n, a quorum of the
 *   configuration in force in its log (the latest config entry, committed or not: dissertation
 *   §4.1) holds entry n, and while that configuration is joint, a majority of C_old and a majority
 *   of C_new (paper §6). Holders are the members' latest incarnations; an index compacted into a
 *   snapshot counts as held. A node's in-memory log may run ahead of its disk, so this can miss a
 *   bad commit, never invent one. Judged only when every voter of the configuration is attached.
 * - Election quorum, judged against configurations: a new leader's votes (those it counted, less
 *   any voter whose own state shows a vote for someone else in that term) are a majority of the
 *   configuration in its log, of C_old and of C_new while joint. Counted here, not by the core's
 *   quorum functions.
 *
 * Attach every incarnation of every node (from world.setup, which runs again on restart); the
 * checker watches role changes, commits, applies and installed snapshots through RaftObserver, and
 * `checkLogs` compares whole logs on demand. A violation is recorded and, by default, thrown, so the
 * run stops at the event that broke it (the simulator reports time and node).
 */
import type { NodeId } from '../../core/env.ts';
import type { Entry } from '../../core/raft/entry.ts';
import type { RaftNode } from '../../core/raft/node.ts';
import { allVoters, describeMembership, type Membership } from '../../core/raft/membership.ts';

export class RaftSafetyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RaftSafetyViolation';
  }
}

export interface RaftSafetyOptions {
  /** Throw at the first violation (default true). */
  readonly throwOnViolation?: boolean;
}

/** FNV-1a over the entry's kind, term and JSON payload: a cheap identity for comparisons. */
export function entryDigest(e: Entry): number {
  const body = e.kind === 'cmd' ? `c${e.client ?? ''}:${e.seq ?? ''}:${JSON.stringify(e.data)}` : e.kind === 'config' ? `m${JSON.stringify(e.membership)}` : 'n';
  let h = 0x811c9dc5 ^ e.term;
  for (let i = 0; i < body.length; i++) {
    h ^= body.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

type Inspectable = Pick<RaftNode, 'id' | 'addObserver' | 'entryAt' | 'firstIndex' | 'lastIndex' | 'commitIndex' | 'role' | 'term'> &
  Partial<Pick<RaftNode, 'membership' | 'status'>>;

/** More than half of `set` is in `yes` (an empty set has no majority). */
function majority(set: readonly NodeId[], yes: (id: NodeId) => boolean): boolean {
  return set.filter(yes).length * 2 > set.length;
}

export class RaftSafetyChecker {
  readonly violations: string[] = [];
  private readonly throwOnViolation: boolean;
  private readonly leaders = new Map<number, NodeId>();
  /** committed[i] = term and digest of the entry committed at index i (sparse until seen). */
  private readonly committedTerm: number[] = [];
  private readonly committedDigest: number[] = [];
  /**
   * committedIn[i] = the lowest term in which some node saw index i committed. The leader that
   * commits an entry sees it in its own term, so this is the entry's commit term; a follower
   * can only see it later, so the value never makes the check stricter than the paper's rule.
   */
  private readonly committedIn: number[] = [];
  private maxCommitted = 0;
  /** The latest attached incarnation of each node: whose logs a commit quorum is judged on. */
  private readonly latest = new Map<NodeId, Inspectable>();
  /** Voters whose disk a storage fault destroyed since their incarnation was attached (diskLost). */
  private readonly diskLostSinceAttach = new Set<NodeId>();
  /** Counters for reports. */
  readonly counts = { elections: 0, commits: 0, applies: 0, snapshots: 0, logChecks: 0, quorumChecks: 0 };

  constructor(opts: RaftSafetyOptions = {}) {
    this.throwOnViolation = opts.throwOnViolation ?? true;
  }

  ok(): boolean {
    return this.violations.length === 0;
  }

  /** Highest index known committed. */
  committedIndex(): number {
    return this.maxCommitted;
  }

  /** Terms that had a leader, with who led them. */
  leadersByTerm(): ReadonlyMap<number, NodeId> {
    return this.leaders;
  }

  private violation(msg: string): void {
    this.violations.push(msg);
    if (this.throwOnViolation) throw new RaftSafetyViolation(msg);
  }

  /** Records (or checks against) the entry committed at e.index, seen by a node in term `inTerm`. */
  private committed(e: Entry, by: NodeId, what: string, inTerm: number): void {
    const i = e.index;
    const d = entryDigest(e);
    const t = this.committedTerm[i];
    const seenIn = this.committedIn[i];
    if (seenIn === undefined || inTerm < seenIn) this.committedIn[i] = inTerm;
    if (t === undefined) {
      this.committedTerm[i] = e.term;
      this.committedDigest[i] = d;
      if (i > this.maxCommitted) this.maxCommitted = i;
      return;
    }
    if (t !== e.term || this.committedDigest[i] !== d) {
      this.violation(`${what}: ${by} has entry ${i} (term ${e.term}) but the entry committed there has term ${t}${t === e.term ? ' and different contents' : ''}`);
    }
  }

  /**
   * Leader `node` just committed up to `n`: a quorum of the configuration in its log must hold
   * entry n (both majorities while joint).
   */
  private checkCommitQuorum(node: Inspectable, n: number): void {
    if (node.membership === undefined) return;
    const e = node.entryAt(n);
    if (e === undefined) return;
    this.counts.quorumChecks++;
    const m = node.membership();
    // Judged only where every voter is watched (a test may attach a few nodes).
    if (allVoters(m).some((v) => v !== node.id() && !this.latest.has(v))) return;
    const holds = (id: NodeId): boolean => {
      const x = id === node.id() ? node : this.latest.get(id);
      if (x === undefined) return false;
      if (this.diskLostSinceAttach.has(id)) return true; // see diskLost
      if (n < x.firstIndex()) return true; // compacted: covered by its snapshot
      return x.entryAt(n)?.term === e.term;
    };
    if (majority(m.voters, holds) && (m.outgoing === undefined || majority(m.outgoing, holds))) return;
    const holders = allVoters(m).filter(holds);
    this.violation(
      `commit quorum: leader ${node.id()} (term ${node.term()}) committed ${n} but only ${holders.join(',') || 'nobody'} of ${describeMembership(m)} hold it`,
    );
  }

  /** `leader` won `term` with the votes of `granted`, counted in membership `m`. */
  private checkElectionQuorum(leader: NodeId, term: number, granted: readonly NodeId[], m: Membership): void {
    this.counts.quorumChecks++;
    const refuted = (v: NodeId): boolean => {
      if (v === leader) return false;
      const st = this.latest.get(v)?.status?.();
      // A vote for someone else in that term (a vote lost with the disk shows as none: not counted against).
      return st !== undefined && st.term === term && st.votedFor !== undefined && st.votedFor !== leader;
    };
    const voted = (v: NodeId) => granted.includes(v) && !refuted(v);
    const ok = majority(m.voters, voted) && (m.outgoing === undefined || majority(m.outgoing, voted));
    if (!ok) this.violation(`election quorum: ${leader} leads term ${term} with the votes of ${granted.filter(voted).join(',')} in ${describeMembership(m)}`);
  }

  /**
   * A storage fault (wipe, restore-stale, corrupt) destroyed what `id`'s disk held. Until it
   * restarts, an acknowledgement it sent before the fault may still be in flight, and a leader
   * counting it is Raft working as designed: the fault, not the leader, lost that copy (a
   * storage-nemesis run found such a commit 205 µs after a wipe). So commit quorums are not
   * judged against the destroyed log; once the node restarts (attach) it is judged again, and
   * Leader Completeness judges every later election either way.
   */
  diskLost(id: NodeId): void {
    this.diskLostSinceAttach.add(id);
  }

  attach(node: Inspectable): void {
    const id = node.id();
    this.latest.set(id, node);
    this.diskLostSinceAttach.delete(id);
    let seenCommit = node.commitIndex();
    node.addObserver({
      onElected: (term, granted, m) => this.checkElectionQuorum(id, term, granted, m),
      onRole: (role, term) => {
        if (role !== 'leader') return;
        this.counts.elections++;
        const other = this.leaders.get(term);
        if (other !== undefined && other !== id) this.violation(`election safety: ${other} and ${id} both leaders in term ${term}`);
        this.leaders.set(term, id);
        // Leader completeness: every entry committed in an earlier term and still in range of
        // its log is there, unchanged.
        for (let i = Math.max(node.firstIndex(), 1); i <= this.maxCommitted; i++) {
          if (this.committedTerm[i] === undefined || this.committedIn[i]! >= term) continue;
          const e = node.entryAt(i);
          if (e === undefined) {
            this.violation(`leader completeness: new leader ${id} (term ${term}) lacks entry ${i}, committed in term ${this.committedIn[i]}`);
            return;
          }
          this.committed(e, id, `leader completeness (term ${term})`, term);
        }
      },
      onCommit: (commit) => {
        if (commit > seenCommit && node.role() === 'leader') this.checkCommitQuorum(node, commit);
        for (let i = Math.max(seenCommit + 1, node.firstIndex()); i <= commit; i++) {
          const e = node.entryAt(i);
          if (e !== undefined) this.committed(e, id, 'committed entry changed', node.term());
          this.counts.commits++;
        }
        if (commit > seenCommit) seenCommit = commit;
      },
      onApply: (e) => {
        this.counts.applies++;
        this.committed(e, id, 'state machine safety', node.term());
      },
      onSnapshotInstalled: (index, term) => {
        this.counts.snapshots++;
        const t = this.committedTerm[index];
        if (t !== undefined && t !== term) this.violation(`snapshot at ${index} on ${id} has term ${term}, committed term ${t}`);
        if (index > seenCommit) seenCommit = index;
      },
    });
  }

  /**
   * Log Matching across the given (live) nodes, and committed entries in every node's committed
   * prefix. O(total log length × nodes); call it every few virtual seconds, not per event.
   */
  checkLogs(nodes: readonly Inspectable[]): void {
    this.counts.logChecks++;
    for (const n of nodes) {
      const upTo = Math.min(n.commitIndex(), n.lastIndex());
      for (let i = Math.max(n.firstIndex(), 1); i <= upTo; i++) {
        if (this.committedTerm[i] !== undefined) this.committed(n.entryAt(i)!, n.id(), 'committed prefix', n.term());
      }
    }
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) this.checkPair(nodes[a]!, nodes[b]!);
    }
  }

  private checkPair(x: Inspectable, y: Inspectable): void {
    const lo = Math.max(x.firstIndex(), y.firstIndex());
    const hi = Math.min(x.lastIndex(), y.lastIndex());
    // From the top: once two entries agree on the term, everything below must be identical.
    let matched = false;
    for (let i = hi; i >= lo; i--) {
      const ex = x.entryAt(i)!;
      const ey = y.entryAt(i)!;
      if (!matched && ex.term === ey.term) matched = true;
      if (matched && (ex.term !== ey.term || entryDigest(ex) !== entryDigest(ey))) {
        this.violation(`log matching: ${x.id()} and ${y.id()} agree below some index but differ at ${i} (terms ${ex.term}/${ey.term})`);
        return;
      }
    }
  }
}
