/**
 * The local view of the membership: one record per known member (self included), in the
 * probe order, plus tombstones of reaped members.
 *
 * Probing walks the list round-robin; on wrap the list is reshuffled and dead members past
 * their gossip window are reaped (SWIM §4.3 "round-robin probe target selection", as in
 * memberlist's resetNodes). A newcomer is inserted at a random position so it is probed
 * within one round on average, not at the end of it.
 */
import { assert, type Micros, type NodeId, type Random } from '../env.ts';
import type { MemberStatus } from './messages.ts';
import type { Meta } from './meta.ts';
import type { Suspicion } from './suspicion.ts';

export interface MemberRecord {
  readonly node: NodeId;
  inc: number;
  status: MemberStatus;
  meta: Meta;
  /** Local time of the last status change. */
  sinceUs: Micros;
  suspicion: Suspicion | undefined;
  /**
   * Learned from a join reply and not gossiped on: the first time this same news reaches us
   * by gossip we join in spreading it (it is then news in flight, not the cluster's past).
   */
  quiet: boolean;
}

/**
 * Which status may follow which (SWIM §4.2 with memberlist's aliveNode / suspectNode / deadNode).
 * Setting the same status again is not a change. A suspect or dead member comes back alive only
 * with a higher incarnation (checked by the callers); nothing goes from dead to suspect or between
 * dead and left: both are final until a newer incarnation says alive.
 */
export const LEGAL_STATUS_CHANGES: Readonly<Record<MemberStatus, readonly MemberStatus[]>> = {
  alive: ['suspect', 'dead', 'left'],
  suspect: ['alive', 'dead', 'left'],
  dead: ['alive'],
  left: ['alive'],
};

export function isLegalStatusChange(from: MemberStatus, to: MemberStatus): boolean {
  return LEGAL_STATUS_CHANGES[from].includes(to);
}

export interface Tombstone {
  readonly inc: number;
  readonly status: 'dead' | 'left';
  readonly atUs: Micros;
}

export class MemberTable {
  private readonly list: MemberRecord[] = [];
  private readonly byName = new Map<NodeId, MemberRecord>();
  private readonly tombstones = new Map<NodeId, Tombstone>();
  private probeIndex = 0;
  /** Random-target mode: probes since the last reap pass (one pass per `size` probes, as a round). */
  private probesSinceReap = 0;
  /** Members alive or suspect (self included): the n of the scaling formulas. */
  private liveCount = 0;
  /** Bumped whenever a member's presence, status or place in the list changes (see version). */
  private changes = 0;

  constructor(
    private readonly random: Random,
    private readonly maxTombstones: number,
    private readonly tombstoneUs: Micros,
  ) {}

  get size(): number {
    return this.list.length;
  }

  /** Alive or suspect members, self included. */
  get live(): number {
    return this.liveCount;
  }

  /**
   * Changes when anything all() shows may have changed other than incarnations and metadata
   * (a member added, reaped or reordered, a status set): a reader that saw the same version
   * may reuse what it derived from all() then.
   */
  get version(): number {
    return this.changes;
  }

  get(node: NodeId): MemberRecord | undefined {
    return this.byName.get(node);
  }

  all(): readonly MemberRecord[] {
    return this.list;
  }

  add(rec: MemberRecord): void {
    assert(!this.byName.has(rec.node), () => `member table: ${rec.node} added twice`);
    this.changes++;
    this.byName.set(rec.node, rec);
    this.tombstones.delete(rec.node);
    this.list.push(rec);
    // swap into a random slot at or after the probe cursor so it is probed this round
    const last = this.list.length - 1;
    const from = Math.min(this.probeIndex, last);
    const j = from + this.random.int(last - from + 1);
    const tmp = this.list[j]!;
    this.list[j] = rec;
    this.list[last] = tmp;
    if (isLive(rec.status)) this.liveCount++;
  }

  /** The one way a member's status changes (LEGAL_STATUS_CHANGES); keeps the live count exact. */
  setStatus(rec: MemberRecord, status: MemberStatus, nowUs: Micros): void {
    assert(this.byName.get(rec.node) === rec, () => `member table: ${rec.node} changes status but is not in the table`);
    assert(isLegalStatusChange(rec.status, status), () => `member table: ${rec.node} may not go ${rec.status} -> ${status}`);
    // Callers cancel a running suspicion first (its timer would declare the member dead later).
    assert(rec.suspicion === undefined, () => `member table: ${rec.node} goes ${rec.status} -> ${status} with a suspicion running`);
    const was = isLive(rec.status);
    const now = isLive(status);
    this.changes++;
    rec.status = status;
    rec.sinceUs = nowUs;
    if (was && !now) this.liveCount--;
    if (!was && now) this.liveCount++;
    assert(this.liveCount >= 0, 'member table: live count not negative');
    assert(this.liveCount <= this.list.length, 'member table: live count within the table');
  }

  /**
   * The next member to probe (alive or suspect, not self), or undefined if there is none.
   * Bounded: at most one full pass plus one reshuffle.
   */
  nextProbeTarget(self: NodeId, nowUs: Micros, reapAfterUs: Micros, onReap: (r: MemberRecord) => void): MemberRecord | undefined {
    for (let scanned = 0; scanned <= this.list.length; scanned++) {
      if (this.probeIndex >= this.list.length) {
        this.resetRound(nowUs, reapAfterUs, onReap);
        if (this.list.length === 0) return undefined;
      }
      const rec = this.list[this.probeIndex++]!;
      if (rec.node !== self && isLive(rec.status)) return rec;
    }
    return undefined;
  }

  /**
   * SWIM §3.1's target: a uniformly random member alive or suspect, not self (undefined if none).
   * Dead members past their gossip window are reaped once per `size` probes, as round robin does
   * once per pass (without its reshuffle: the order plays no part in a uniform pick). Rejection sampling (uniform when it succeeds), bounded at 3·size draws, then
   * a uniform pick among the eligible members collected in one scan.
   */
  randomProbeTarget(self: NodeId, nowUs: Micros, reapAfterUs: Micros, onReap: (r: MemberRecord) => void): MemberRecord | undefined {
    if (++this.probesSinceReap >= this.list.length) {
      this.probesSinceReap = 0;
      this.reap(nowUs, reapAfterUs, onReap);
      this.probeIndex = Math.min(this.probeIndex, this.list.length);
    }
    const eligible = (r: MemberRecord) => r.node !== self && isLive(r.status);
    const n = this.list.length;
    for (let i = 0; i < 3 * n; i++) {
      const rec = this.list[this.random.int(n)]!;
      if (eligible(rec)) return rec;
    }
    const all = this.list.filter(eligible);
    return all.length === 0 ? undefined : all[this.random.int(all.length)];
  }

  /**
   * Up to k distinct random members passing `accept`, excluding the given names. Bounded
   * at 3·size draws (memberlist kRandomNodes), so a sparse match may return fewer.
   */
  randomMembers(k: number, accept: (r: MemberRecord) => boolean, exclude1?: NodeId, exclude2?: NodeId): MemberRecord[] {
    const out: MemberRecord[] = [];
    const n = this.list.length;
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const rec = this.list[this.random.int(n)]!;
      if (rec.node === exclude1 || rec.node === exclude2) continue;
      if (!accept(rec) || out.includes(rec)) continue;
      out.push(rec);
    }
    return out;
  }

  tombstone(node: NodeId, nowUs: Micros): Tombstone | undefined {
    const t = this.tombstones.get(node);
    if (t !== undefined && nowUs - t.atUs > this.tombstoneUs) {
      this.tombstones.delete(node);
      return undefined;
    }
    return t;
  }

  tombstoneNames(): IterableIterator<NodeId> {
    return this.tombstones.keys();
  }

  private resetRound(nowUs: Micros, reapAfterUs: Micros, onReap: (r: MemberRecord) => void): void {
    this.reap(nowUs, reapAfterUs, onReap);
    this.random.shuffle(this.list);
    this.changes++;
    this.probeIndex = 0;
  }

  /** Drops dead and left members past their gossip window, remembering them as tombstones. */
  private reap(nowUs: Micros, reapAfterUs: Micros, onReap: (r: MemberRecord) => void): void {
    let w = 0;
    for (let i = 0; i < this.list.length; i++) {
      const rec = this.list[i]!;
      if ((rec.status === 'dead' || rec.status === 'left') && nowUs - rec.sinceUs > reapAfterUs) {
        this.byName.delete(rec.node);
        this.changes++;
        this.remember(rec.node, { inc: rec.inc, status: rec.status, atUs: nowUs });
        onReap(rec);
        continue;
      }
      this.list[w++] = rec;
    }
    this.list.length = w;
    assert(this.byName.size === this.list.length, 'member table: index matches list');
  }

  private remember(node: NodeId, t: Tombstone): void {
    this.tombstones.delete(node);
    this.tombstones.set(node, t);
    // Map keeps insertion order: the first key is the oldest tombstone
    while (this.tombstones.size > this.maxTombstones) {
      const oldest = this.tombstones.keys().next().value as NodeId;
      this.tombstones.delete(oldest);
    }
  }
}

export function isLive(status: MemberStatus): boolean {
  return status === 'alive' || status === 'suspect';
}
