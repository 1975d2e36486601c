/**
 * Protocol-aware recovery of a Raft node whose disk lost data (PAR: R. Alagappan, A. Ganesan,
 * E. Lee, A. Albarghouthi, V. Chidambaram, A. Arpaci-Dusseau, R. Arpaci-Dusseau, "Protocol-Aware
 * Recovery for Consensus-Based Storage", FAST'18). docs/storage-faults.md says what is tolerated.
 *
 * The danger: a node that acknowledged entries and then lost them (bit rot cut its log, its data
 * dir was wiped or restored from an old copy, its hard state file is gone) may have been counted
 * toward a commit. If it then votes with its shorter log, it can help elect a leader that lacks a
 * committed entry, and the entry is lost cluster-wide (the "amnesia" bug). PAR's answer, kept here:
 *
 *  - the node keeps what it still has (its term and vote, its log up to the last good record);
 *  - it is RECOVERING: it does not campaign, ignores the commit index of heartbeats (which trusts
 *    the leader's possibly stale view of its log), and refuses local (stale) reads. It votes (and
 *    grants pre-votes) only for a candidate whose log provably holds everything it acknowledged:
 *    last term > the highest term it acknowledged in, or that term and a last index >= the
 *    highest index it acknowledged. (Any entry committed with its help was committed by the
 *    leader of a term <= that term; by Leader Completeness a log ending in a later term holds it,
 *    and a log ending in that same term at or past the index holds that leader's prefix.) This
 *    keeps a cluster with two damaged nodes of three available when the third has the data, and
 *    unavailable, not wrong, when it does not (PAR makes the same choice);
 *  - it stays so until a leader has repaired it: its log, verified by a successful AppendEntries
 *    of the current term, reaches past (1) the highest index it ever acknowledged (the "acked
 *    high-water mark", persisted on its own, before an ack leaves), (2) the leader's commit index
 *    and (3) an entry of the leader's term (so it holds the leader's whole log as of its election,
 *    which holds every entry committed before). When the mark itself was lost (wipe, stale copy,
 *    lost state) only (2) and (3) are known: the node rejoins as a new incarnation that never
 *    counts as the voter that made the old acknowledgements;
 *  - the recovering state is persisted, so a crash during recovery does not end it.
 *
 * A cut that lies wholly above the mark lost only records never acknowledged (a torn tail): no
 * recovery is needed, as before. With `enabled` false (a test-only mutation) the node goes on as
 * if nothing was lost: the checkers must then see the bug.
 */
import { assert, type Env, type StorageDamage } from '../env.ts';

/**
 * Storage key: the acked high-water mark: a log index this node acknowledged (as a follower) or
 * counted for itself (as leader), at most ACK_SAVE_STEP - 1 below the highest one, and the
 * highest term it acknowledged in (exact: saved with the first ack of each term).
 */
export const ACK_KEY = 'ack';

/**
 * The mark is saved when it passed the saved one by this many entries (or the term grew): on
 * hanode a saved value is one more atomic state-file write (two fsyncs) per sync, which halved
 * KV write throughput when done on every sync (bench/hanode-kv.ts). The mark is then a lower
 * bound, which is the safe side for every use of it here: damage the disk reports carries its
 * own extent (StorageDamage.cutTo), and the mark only adds losses the disk cannot see.
 */
export const ACK_SAVE_STEP = 256;

export interface AckMark {
  readonly index: number;
  readonly term: number;
}
/** Storage key: present while the node recovers. */
export const RECOVERING_KEY = 'recovering';
/** Storage key of the hard state (term, vote), as node.ts saves it. */
const HS_KEY = 'hs';

export type RecoveryReason = 'damage' | 'wipe' | 'stale' | 'lost-state' | 'lost-log';

export interface RecoveringState {
  readonly reason: RecoveryReason;
  /** Index the log must be repaired past; null when the acked high-water mark was lost (amnesia). */
  readonly mustReach: number | null;
}

export class StorageRecovery {
  private ack: AckMark;
  private state: RecoveringState | undefined;
  /** The hard state file was lost (reported by the disk, or found missing by checkHeld). */
  private hardStateLost: boolean;
  /** Records cut for damage at open (for the counters: repaired = records regained since). */
  readonly cut: number;
  /** First index of that cut (0: none). */
  private readonly cutFrom: number;

  constructor(
    private readonly env: Env,
    private readonly enabled: boolean,
  ) {
    const st = env.storage;
    const damage = st.damage?.();
    this.ack = st.load<AckMark>(ACK_KEY) ?? { index: 0, term: 0 };
    this.state = st.load<RecoveringState>(RECOVERING_KEY);
    this.cut = damage?.cutFrom !== undefined && damage.cutTo !== undefined ? damage.cutTo - damage.cutFrom + 1 : 0;
    this.cutFrom = this.cut > 0 ? damage!.cutFrom! : 0;
    if (damage !== undefined) this.env.trace('raft.disk-damage', describeDamage(damage, this.ack));
    this.hardStateLost = damage?.lostKeys?.includes(HS_KEY) === true;
    const found = damage !== undefined ? this.assess(damage) : undefined;
    if (found !== undefined && this.enabled) this.enter(found);
    else if (this.state !== undefined) this.env.trace('raft.recovering', { reason: this.state.reason, mustReach: this.state.mustReach, cut: this.cut });
  }

  /**
   * Called once the log and snapshot are loaded: entries up to the acked high-water mark must be
   * in the log or covered by the snapshot. When they are not, they were lost without the disk
   * noticing (a deleted segment or log dir, a storage that cannot report damage): recover too.
   */
  checkHeld(lastIndex: number, snapshotIndex: number, lastTerm: number, hasHardState: boolean, soleVoter: boolean): void {
    this.checkLoss(lastIndex, snapshotIndex, lastTerm, hasHardState);
    if (soleVoter && this.state !== undefined) {
      // Nobody can repair the only voter: what it lost is lost. Going on beats a cluster that can
      // never elect again (etcd would refuse to start; an operator restores from a backup).
      this.env.trace('raft.recovery-impossible', { reason: this.state.reason, mustReach: this.state.mustReach });
      this.state = undefined;
      this.env.storage.remove(RECOVERING_KEY);
      this.env.storage.sync();
    }
  }

  private checkLoss(lastIndex: number, snapshotIndex: number, lastTerm: number, hasHardState: boolean): void {
    if (!hasHardState && lastTerm > 0 && !this.hardStateLost) {
      // Entries of a term > 0 exist, so term and vote were saved once: the file is gone.
      this.hardStateLost = true;
      this.env.trace('raft.disk-damage', { lostKeys: HS_KEY, lastTerm });
      if (this.enabled) this.enter({ reason: 'lost-state', mustReach: null });
    }
    const held = Math.max(lastIndex, snapshotIndex);
    if (this.ack.index <= held || !this.enabled) return;
    this.env.trace('raft.disk-damage', { ackIndex: this.ack.index, ackTerm: this.ack.term, held });
    this.enter({ reason: 'lost-log', mustReach: this.ack.index });
  }

  /** Starts (or widens) recovery, persisted before anything else happens. */
  private enter(found: RecoveringState): void {
    const prev = this.state;
    const mustReach = found.mustReach === null || (prev !== undefined && prev.mustReach === null) ? null : Math.max(found.mustReach, prev?.mustReach ?? 0);
    this.state = { reason: prev?.reason ?? found.reason, mustReach };
    this.env.storage.save(RECOVERING_KEY, this.state);
    this.env.storage.sync();
    this.env.trace('raft.recovering', { reason: this.state.reason, mustReach, cut: this.cut });
  }

  /** What the damage means: undefined when nothing acknowledged can have been lost. */
  private assess(d: StorageDamage): RecoveringState | undefined {
    if (d.wiped) return { reason: 'wipe', mustReach: null };
    if (d.stale) return { reason: 'stale', mustReach: null };
    if (d.lostLog) return { reason: 'lost-log', mustReach: null };
    if (d.lostKeys?.includes(HS_KEY) || d.lostKeys?.includes(ACK_KEY)) return { reason: 'lost-state', mustReach: null };
    // Reported damage is rot of written records (a torn tail is not reported): they reached at
    // least cutTo (or the damaged record itself), and may have been acknowledged.
    if (d.cutFrom !== undefined) return { reason: 'damage', mustReach: Math.max(this.ack.index, d.cutTo ?? d.cutFrom) };
    return undefined;
  }

  /** Of the records cut for damage at open, how many the log (or snapshot) ending at `held` holds again: repaired by peers. */
  repaired(held: number): number {
    return this.cut === 0 ? 0 : Math.min(this.cut, Math.max(0, held - this.cutFrom + 1));
  }

  /** True while the node may not vote, campaign, trust a heartbeat's commit index or serve local reads. */
  recovering(): boolean {
    return this.state !== undefined;
  }

  /**
   * May a recovering node vote for a candidate whose log ends at (lastIndex, lastTerm)? Always
   * true when not recovering (the normal Raft rules apply on top); never when the mark was lost.
   */
  mayVoteFor(lastIndex: number, lastTerm: number): boolean {
    const s = this.state;
    if (s === undefined) return true;
    if (s.mustReach === null) return false;
    return lastTerm > this.ack.term || (lastTerm === this.ack.term && lastIndex >= s.mustReach);
  }

  /** True when the hard state is unknown: the term must be rebuilt from the log, with no vote. */
  lostHardState(): boolean {
    return this.hardStateLost;
  }

  /**
   * Call before the sync that makes entries up to `index` durable and before acknowledging them
   * (the same sync then covers the mark): the mark never trails an acknowledgement. Returns what
   * it saved: 'term' for a mark of a new term, which the caller syncs before acknowledging
   * anything (an ack of an index already durable may leave at once); 'step' for a mark that only
   * moved its index up a step, which may ride with the entries' asynchronous write: an ack of an
   * index >= the old mark + ACK_SAVE_STEP leaves only once a write started after the entry's append
   * completed, and that write covers the mark saved then; false when nothing was saved.
   */
  willAck(index: number, currentTerm: number): 'term' | 'step' | false {
    let saved: 'term' | 'step' | false = false;
    if (index >= this.ack.index + ACK_SAVE_STEP || currentTerm > this.ack.term) {
      saved = currentTerm > this.ack.term ? 'term' : 'step';
      this.ack = { index: Math.max(index, this.ack.index), term: Math.max(currentTerm, this.ack.term) };
      this.env.storage.save(ACK_KEY, this.ack);
    }
    // The bound docs/storage-faults.md states: the saved mark trails this ack by less than a step,
    // and its term is exact. (A silent loss inside that step is the one recovery cannot see.)
    assert(index - this.ack.index < ACK_SAVE_STEP, () => `acked mark ${this.ack.index} trails ack ${index} by a step or more`);
    assert(this.ack.term >= currentTerm, () => `acked mark term ${this.ack.term} below the acking term ${currentTerm}`);
    return saved;
  }

  /**
   * Entries from `from` on were truncated for a conflict: they were never committed (Raft's Log
   * Matching), so acknowledgements of them count for nothing. Lowering the mark keeps a
   * recovering node from waiting for an index the leader's log may never reach.
   */
  truncated(from: number): void {
    if (this.ack.index < from) return;
    this.ack = { index: from - 1, term: this.ack.term };
    this.env.storage.save(ACK_KEY, this.ack);
  }

  /**
   * A successful AppendEntries of the current term verified our log up to `upTo` against the
   * leader's. Returns true when this ends recovery. The caller syncs storage after.
   */
  verified(upTo: number, termAtUpTo: number | undefined, currentTerm: number, leaderCommit: number, lastIndex: number): boolean {
    const s = this.state;
    if (s === undefined) return false;
    if (termAtUpTo !== currentTerm || upTo < leaderCommit) return false;
    // The mark matters only in its own term: every entry committed with our help was committed
    // in a term <= ack.term, and a log holding the leader's entry of a later term holds them all.
    if (s.mustReach !== null && currentTerm <= this.ack.term && upTo < s.mustReach) return false;
    this.state = undefined;
    this.env.storage.remove(RECOVERING_KEY);
    this.env.trace('raft.recovered', { reason: s.reason, at: upTo, last: lastIndex, cut: this.cut });
    return true;
  }
}

function describeDamage(d: StorageDamage, ack: AckMark): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = { ackIndex: ack.index, ackTerm: ack.term };
  if (d.cutFrom !== undefined) out.cutFrom = d.cutFrom;
  if (d.cutTo !== undefined) out.cutTo = d.cutTo;
  if (d.lostKeys) out.lostKeys = d.lostKeys.join(',');
  if (d.wiped) out.wiped = true;
  if (d.stale) out.stale = true;
  return out;
}
