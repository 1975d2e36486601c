/**
 * A tiny single-node Replicator for KV server tests: commits by itself after `commitDelayUs`,
 * dedups (client, seq) like Raft must, and can be told to act as a follower, to orphan
 * proposals (unknown-outcome after applying or not), or to swallow requests.
 */
import type { Env, NodeId } from '../../src/core/env.ts';
import type { ProposeResult, RaftRole, ReadResult, Replicator } from '../../src/core/raft/api.ts';
import type { StateMachine } from '../../src/core/sm.ts';

export type FakeMode =
  | { kind: 'leader' }
  | { kind: 'follower'; leader?: NodeId }
  /** Applies the command but reports unknown-outcome (the ack was lost with leadership). */
  | { kind: 'orphan-applied' }
  /** Does not apply and reports unknown-outcome. */
  | { kind: 'orphan-dropped' }
  /** Never calls back (a hung leader). */
  | { kind: 'black-hole' }
  /** Refuses proposals for now (as Raft does during a leadership transfer). */
  | { kind: 'reject' };

export class FakeReplicator<C, R> implements Replicator<C, R> {
  mode: FakeMode = { kind: 'leader' };
  private index = 0;
  private readonly applied = new Map<string, { seq: number; result: ProposeResult<R> }>();
  proposals = 0;
  applies = 0;

  constructor(
    private readonly env: Env,
    private readonly sm: StateMachine<C, R>,
    private readonly commitDelayUs = 100,
  ) {}

  propose(command: C, done: (r: ProposeResult<R>) => void, dedup?: { client: string; seq: number }): void {
    this.proposals++;
    const mode = this.mode;
    if (mode.kind === 'follower') {
      done({ ok: false, error: 'not-leader', ...(mode.leader ? { leader: mode.leader } : {}) });
      return;
    }
    if (mode.kind === 'black-hole') return;
    if (mode.kind === 'reject') {
      done({ ok: false, error: 'rejected', reason: 'leadership transfer in progress' });
      return;
    }
    this.env.after(this.commitDelayUs, () => {
      if (mode.kind === 'orphan-dropped') {
        done({ ok: false, error: 'unknown-outcome' });
        return;
      }
      const result = this.applyOnce(command, dedup);
      done(mode.kind === 'orphan-applied' ? { ok: false, error: 'unknown-outcome' } : result);
    });
  }

  private applyOnce(command: C, dedup?: { client: string; seq: number }): ProposeResult<R> {
    if (dedup) {
      const prev = this.applied.get(dedup.client);
      if (prev && prev.seq === dedup.seq) return prev.result;
    }
    this.index++;
    this.applies++;
    const result: ProposeResult<R> = { ok: true, index: this.index, term: 1, result: this.sm.apply(command, { index: this.index, term: 1 }) };
    if (dedup) this.applied.set(dedup.client, { seq: dedup.seq, result });
    return result;
  }

  readBarrier(done: (r: ReadResult) => void): void {
    const mode = this.mode;
    if (mode.kind === 'follower') {
      done({ ok: false, error: 'not-leader', ...(mode.leader ? { leader: mode.leader } : {}) });
      return;
    }
    if (mode.kind === 'black-hole') return;
    const at = this.index;
    this.env.after(this.commitDelayUs, () => done({ ok: true, index: at }));
  }

  isLeader(): boolean {
    return this.mode.kind !== 'follower';
  }
  leader(): NodeId | undefined {
    return this.mode.kind === 'follower' ? this.mode.leader : this.env.self;
  }
  role(): RaftRole {
    return this.isLeader() ? 'leader' : 'follower';
  }
  term(): number {
    return 1;
  }
  commitIndex(): number {
    return this.index;
  }
  appliedIndex(): number {
    return this.index;
  }
  onRoleChange(): void {}
}
