/**
 * Read barriers waiting on the leader (ReadIndex, dissertation §6.4): each waits first for a
 * heartbeat round that a quorum acknowledged (leadership confirmed at or after the read arrived),
 * then for the local state machine to apply up to the commit index recorded when the read arrived.
 */
import { assert, type Micros } from '../env.ts';
import type { ReadResult } from './api.ts';

interface PendingRead {
  readonly round: number;
  readonly index: number;
  readonly deadlineUs: Micros;
  readonly done: (r: ReadResult) => void;
}

export class ReadQueue {
  /** Ascending by round. */
  private awaitingRound: PendingRead[] = [];
  /** Confirmed; ascending by index (commit indexes only grow). */
  private awaitingApply: PendingRead[] = [];

  constructor(private readonly max: number) {}

  size(): number {
    return this.awaitingRound.length + this.awaitingApply.length;
  }

  full(): boolean {
    return this.size() >= this.max;
  }

  /** Waits for round `round` to be confirmed by a quorum. */
  add(round: number, index: number, deadlineUs: Micros, done: (r: ReadResult) => void): void {
    assert(!this.full(), 'read queue bound');
    const last = this.awaitingRound[this.awaitingRound.length - 1];
    assert(last === undefined || last.round <= round, 'reads are added in round order');
    this.awaitingRound.push({ round, index, deadlineUs, done });
  }

  /** Already confirmed (lease): waits for apply only. */
  addConfirmed(index: number, deadlineUs: Micros, done: (r: ReadResult) => void): void {
    assert(!this.full(), 'read queue bound');
    this.pushApply({ round: 0, index, deadlineUs, done });
  }

  private pushApply(r: PendingRead): void {
    const last = this.awaitingApply[this.awaitingApply.length - 1];
    assert(last === undefined || last.index <= r.index, 'confirmed reads in index order');
    this.awaitingApply.push(r);
  }

  /** Rounds up to `round` are confirmed by a quorum. */
  confirm(round: number): void {
    let k = 0;
    while (k < this.awaitingRound.length && this.awaitingRound[k]!.round <= round) {
      this.pushApply(this.awaitingRound[k]!);
      k++;
    }
    if (k > 0) this.awaitingRound.splice(0, k);
  }

  /** The state machine applied up to `applied`. */
  applied(applied: number): void {
    let k = 0;
    while (k < this.awaitingApply.length && this.awaitingApply[k]!.index <= applied) k++;
    if (k === 0) return;
    const ready = this.awaitingApply.splice(0, k);
    for (const r of ready) r.done({ ok: true, index: r.index });
  }

  /** Fails reads past their deadline. */
  expire(nowUs: Micros, leader: string | undefined): void {
    const keep = (r: PendingRead) => r.deadlineUs > nowUs;
    const expired = [...this.awaitingRound.filter((r) => !keep(r)), ...this.awaitingApply.filter((r) => !keep(r))];
    if (expired.length === 0) return;
    this.awaitingRound = this.awaitingRound.filter(keep);
    this.awaitingApply = this.awaitingApply.filter(keep);
    for (const r of expired) r.done({ ok: false, error: 'timeout', leader });
  }

  failAll(leader: string | undefined): void {
    const all = [...this.awaitingRound, ...this.awaitingApply];
    this.awaitingRound = [];
    this.awaitingApply = [];
    for (const r of all) r.done({ ok: false, error: 'not-leader', leader });
  }
}
