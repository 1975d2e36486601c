/**
 * A Replicator whose Raft node arrives later: with --bootstrap-expect the Raft node cannot
 * be built until enough servers are known, but the drivers, the proposer and the HTTP API
 * are built at boot. Until then it is a follower that knows no leader.
 */
import { assert, type NodeId } from '../env.ts';
import type { ProposeResult, RaftRole, ReadOptions, ReadResult, Replicator } from '../raft/api.ts';

export class DeferredReplicator<Cmd, R> implements Replicator<Cmd, R> {
  private inner: Replicator<Cmd, R> | undefined;
  private readonly listeners: ((role: RaftRole, term: number, leader: NodeId | undefined) => void)[] = [];

  attach(inner: Replicator<Cmd, R>): void {
    assert(this.inner === undefined, 'replicator attached twice');
    this.inner = inner;
    for (const l of this.listeners) inner.onRoleChange(l);
  }

  attached(): boolean {
    return this.inner !== undefined;
  }

  propose(command: Cmd, done: (r: ProposeResult<R>) => void, dedup?: { client: string; seq: number }): void {
    if (!this.inner) return done({ ok: false, error: 'not-leader' });
    this.inner.propose(command, done, dedup);
  }
  readBarrier(done: (r: ReadResult) => void, opts?: ReadOptions): void {
    if (!this.inner) return done({ ok: false, error: 'not-leader' });
    this.inner.readBarrier(done, opts);
  }
  isLeader(): boolean {
    return this.inner?.isLeader() ?? false;
  }
  leader(): NodeId | undefined {
    return this.inner?.leader();
  }
  role(): RaftRole {
    return this.inner?.role() ?? 'follower';
  }
  term(): number {
    return this.inner?.term() ?? 0;
  }
  commitIndex(): number {
    return this.inner?.commitIndex() ?? 0;
  }
  appliedIndex(): number {
    return this.inner?.appliedIndex() ?? 0;
  }
  onRoleChange(listener: (role: RaftRole, term: number, leader: NodeId | undefined) => void): void {
    assert(this.listeners.length < 64, 'too many role listeners');
    this.listeners.push(listener);
    this.inner?.onRoleChange(listener);
  }
}
