/**
 * `raft: snapshotLate: { at: [4s, 14s] }` — a directed nemesis for Raft §7's rule "if an existing
 * log entry has the same index and term as the snapshot's last included entry, retain the log
 * entries following it". The rule matters only when a snapshot reaches a follower that already
 * holds the snapshot's last entry and entries after it, and has not yet learnt that the entry is
 * committed (a snapshot at or below the follower's commit index is ignored). Appends carry the
 * leader's commit index, so that follower must have taken its newer entries from appends sent
 * before the leader committed the snapshot point, and the leader must have decided to send the
 * snapshot before the follower's acknowledgements of those entries arrived. Once per listed time,
 * on three voters L (leader), A, B:
 *  1. A is paused (a GC stop: L's appends and heartbeats queue at it) and B made slow (each
 *     delivery to it SLOW_B_US late, so L commits with B well behind its last entry) until at
 *     most TRY_US after the strike (a slow B would depose the next leader by CheckQuorum);
 *  2. after PAUSE_US (over the election timeout: L's stall detection will restart A from its old
 *     match) the KV workload goes write-idle. At an instant when L's log has stopped growing and
 *     L has committed (with B) past what it had committed when it sent its last entry, and L's
 *     commit is still below that entry: L and A are cut off from everyone else (B, the clients),
 *     L takes a snapshot at its commit index s (a snapshot timer firing then; trailing entries as
 *     the scenario sets, few); once it is durable and L compacted behind it, A resumes, behind a
 *     slow L-A link (SLOW_LA_US each way);
 *  3. A takes the queued appends (its log now runs past s, its commit index below s) and answers
 *     the heartbeats at once, its appends only once they are durable: L sees a stalled pipeline,
 *     restarts A from its old match, finds that compacted and sends the snapshot at s; then A's
 *     acknowledgements arrive and L commits its whole log with A (B is cut off);
 *  4. once L has committed its last entry and A has installed the snapshot, L is cut off from
 *     everyone and writes resume: A and B elect. Correct A kept the entries after s, is the longer
 *     log and wins; with `snapshotOverNewerEntries` A dropped them and B lacks them, so the new
 *     leader commits its own entries where L committed others: the Raft safety checker fires.
 * Each round ends healed after HOLD_US. Steps are traced as `snapshot-late` events.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { applyFault } from '../../sim/faults.ts';
import { setWritesQuiet } from '../../sim/workload/write-quiet.ts';
import { RoundsDriver, waitFor } from './directed-steps.ts';

/** How long A stays paused before writes stop: well over the default election timeout (150-300 ms, src/core/raft/config.ts), L's stall limit. */
const PAUSE_US: Micros = 400_000;
/** B's extra delivery delay: three default heartbeats (50 ms), so several of L's entries are uncommitted when writes stop. */
const SLOW_B_US: Micros = 150_000;
/** The L-A link's extra delay once A resumes: wide enough for the 2 ms polling to see A's log between the snapshot and L's repair. */
const SLOW_LA_US: Micros = 20_000;
/** How long one write-idle try waits for the strike instant, and how long writes run again between tries. */
const TRY_US: Micros = 300_000;
const WRITES_AGAIN_US: Micros = 150_000;
/** Tries per round: A's queued appends stay below the pipeline bound (maxInflightAppends 128) at these write rates. */
const TRIES = 5;
/** How long L may take to make its snapshot durable and compact behind it (a disk sync: 1 ms by default, src/sim/disk-sync.ts). */
const COMPACT_US: Micros = 100_000;
/** How long a step waits: ten election timeouts of the default config. */
const STEP_US: Micros = 3_000_000;
/** How long the round holds after the new leader won, before it heals: its writes commit. */
const HOLD_US: Micros = 1_500_000;

export class SnapshotLateDriver extends RoundsDriver {
  protected readonly event = 'snapshot-late';
  protected readonly needs = { key: 'snapshotLate', voters: 3, exactly: true } as const;

  private end(round: number, how: string, paused?: NodeId): void {
    setWritesQuiet(this.world, false);
    if (paused !== undefined && this.world.isPaused(paused)) applyFault(this.world, { kind: 'resume', node: paused });
    applyFault(this.world, { kind: 'heal' });
    this.trace(round, 'end', { how });
  }

  private others(keep: readonly NodeId[]): NodeId[] {
    return this.world.topology.nodes.filter((n) => !keep.includes(n));
  }

  protected round(k: number): void {
    const w = this.world;
    waitFor(
      w,
      STEP_US,
      this.endUs,
      () => this.caughtUpLeader(),
      (l) => {
        const [a, b] = this.voters.filter((n) => n !== l) as [NodeId, NodeId];
        const m0 = this.up(l)!.lastIndex();
        applyFault(w, { kind: 'pause', node: a });
        applyFault(w, { kind: 'slow-node', node: b, extra: SLOW_B_US, for: PAUSE_US + TRY_US });
        this.trace(k, 'pause', { leader: l, a, b, match: m0 });
        w.after(PAUSE_US, () => this.strike(k, l, a, b, m0, 1));
      },
      () => this.end(k, 'gave up waiting: a caught-up leader'),
    );
  }

  /** Step 2: writes stop; strike when L committed past what its last entry carried, but not that entry. */
  private strike(k: number, l: NodeId, a: NodeId, b: NodeId, m0: number, attempt: number): void {
    const w = this.world;
    setWritesQuiet(w, true);
    let last = -1;
    let commitAtLast = 0;
    const retry = (why: string) => {
      // Write a little more and try again (a later snapshot compacts further).
      if (attempt >= TRIES) return this.end(k, `gave up after ${attempt} tries: ${why}`, a);
      applyFault(w, { kind: 'heal' });
      setWritesQuiet(w, false);
      applyFault(w, { kind: 'slow-node', node: b, extra: SLOW_B_US, for: WRITES_AGAIN_US + TRY_US });
      w.after(WRITES_AGAIN_US, () => this.strike(k, l, a, b, m0, attempt + 1));
    };
    waitFor(
      w,
      TRY_US,
      this.endUs,
      () => {
        const rl = this.up(l);
        if (!rl?.isLeader() || !w.isPaused(a)) return undefined;
        if (rl.lastIndex() !== last) {
          last = rl.lastIndex();
          commitAtLast = rl.commitIndex();
          return undefined;
        }
        const c = rl.commitIndex();
        return c > commitAtLast && c < last && rl.appliedIndex() === c ? c : undefined;
      },
      (c) => {
        applyFault(w, { kind: 'partition', sides: [[l, a], this.others([l, a])] });
        const rl = this.up(l)!;
        const before = rl.firstIndex();
        rl.takeSnapshot();
        const s = rl.snapshotIndex();
        // L compacts behind the snapshot once it is durable (an asynchronous sync); A resumes only
        // if that compaction passed its match (else the snapshot would not be needed).
        waitFor(
          w,
          COMPACT_US,
          this.endUs,
          () => (rl.firstIndex() > m0 + 1 || rl.firstIndex() > before ? true : undefined),
          () => {
            if (!this.up(l)?.isLeader() || rl.firstIndex() <= m0 + 1) return retry(`L's log compacted to ${rl.firstIndex()}, not past A's match ${m0}`);
            applyFault(w, { kind: 'slow-link', between: [l, a], extra: SLOW_LA_US, for: 2 * STEP_US });
            applyFault(w, { kind: 'resume', node: a });
            this.trace(k, 'snapshot', { attempt, commit: c, snap: s, first: rl.firstIndex(), last, sentCommit: commitAtLast });
            this.install(k, l, a, b, s, last);
          },
          () => retry(`L's log not compacted past A's match ${m0} (first ${rl.firstIndex()})`),
        );
      },
      // Too few entries were uncommitted when writes stopped.
      () => retry('L to commit between its sent commit and its last entry'),
    );
  }

  /** Steps 3-4: A installs the snapshot and L commits its log with A; then L is cut off and A, B elect. */
  private install(k: number, l: NodeId, a: NodeId, b: NodeId, s: number, last: number): void {
    const w = this.world;
    waitFor(
      w,
      STEP_US,
      this.endUs,
      () => {
        const ra = this.up(a);
        const rl = this.up(l);
        return ra !== undefined && rl !== undefined && ra.snapshotIndex() >= s && rl.commitIndex() >= last ? { aLast: ra.lastIndex(), aCommit: ra.commitIndex() } : undefined;
      },
      (at) => {
        applyFault(w, { kind: 'heal' });
        applyFault(w, { kind: 'partition', sides: [[l], this.others([l])] });
        setWritesQuiet(w, false);
        this.trace(k, 'cut', { snap: s, commitL: last, lastA: at.aLast, commitA: at.aCommit, lastB: this.up(b)?.lastIndex() });
        waitFor(
          w,
          STEP_US,
          this.endUs,
          () => [a, b].find((n) => this.up(n)?.isLeader()),
          (n) => {
            this.trace(k, 'elected', { leader: n, term: this.up(n)!.term(), last: this.up(n)!.lastIndex() });
            w.after(HOLD_US, () => this.end(k, 'held'));
          },
          () => this.end(k, 'gave up waiting: A or B to lead'),
        );
      },
      () => this.end(k, 'gave up waiting: A to install the snapshot and L to commit its log', a),
    );
  }
}
