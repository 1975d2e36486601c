/**
 * Backend over a composed ServerNode: what the HTTP API sees of the node. Reads the node
 * through a getter, so a node rebuilt by its host (a restart) is picked up.
 */
import { kvWatchFor } from './http/kv-watch.ts';
import type { SessionRecord } from '../core/coord/sessions.ts';
import type { NodeId } from '../core/env.ts';
import type { ServerNode } from '../core/node/index.ts';
import type { Backend, MemberView, ProposeOutcome, RaftProgressView, RaftServerView } from './backend.ts';

/** Consul's RPC hold timeout is 7 s (rpc_hold_timeout); a commit normally takes milliseconds. 30 s is a safety net. */
const PROPOSE_TIMEOUT_MS = 30_000;

export class NodeBackend implements Backend {
  constructor(
    private readonly node: () => ServerNode,
    readonly nodeName: NodeId,
    readonly datacenter: string,
    readonly advertiseAddr: string,
    private readonly onLeave: () => Promise<void>,
  ) {}

  get store() {
    return this.node().store;
  }
  get hub() {
    return this.node().hub;
  }
  isLeader(): boolean {
    return this.node().replicator.isLeader();
  }
  leader(): NodeId | undefined {
    return this.node().replicator.leader();
  }
  lastContactMs(): number {
    return this.node().lastContactUs() / 1000;
  }

  sinceHeardFromMs(server: NodeId): number | undefined {
    const us = this.node().sinceHeardFromUs(server);
    return us === undefined ? undefined : us / 1000;
  }
  wallClockMs(): number {
    return Date.now();
  }

  propose(cmd: Parameters<ServerNode['propose']>[0]): Promise<ProposeOutcome> {
    return new Promise((resolve) => {
      // Raft answers every proposal (commit, or unknown-outcome when leadership is lost); this
      // bound only guards the HTTP request against a bug leaving it waiting forever.
      const timer = setTimeout(() => resolve({ ok: false, error: 'timeout', reason: 'timed out waiting for the write to commit' }), PROPOSE_TIMEOUT_MS);
      this.node().propose(cmd, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve({ ok: true, index: r.index, result: r.result });
        else if (r.error === 'not-leader') resolve({ ok: false, error: 'not-leader', ...(r.leader !== undefined ? { leader: r.leader } : {}) });
        else if (r.error === 'unknown-outcome') resolve({ ok: false, error: 'unknown-outcome', reason: 'leadership lost while committing log' });
        else resolve({ ok: false, error: 'rejected', reason: r.reason });
      });
    });
  }

  readBarrier(opts?: { lease?: boolean }): Promise<{ ok: true } | { ok: false; error: string; leader?: NodeId }> {
    return new Promise((resolve) => {
      this.node().replicator.readBarrier(
        (r) => resolve(r.ok ? { ok: true } : { ok: false, error: r.error, ...(r.leader !== undefined ? { leader: r.leader } : {}) }),
        opts?.lease === true ? { lease: true } : undefined,
      );
    });
  }

  httpAddressOf(node: NodeId): string | undefined {
    return this.node().cardOf(node)?.http;
  }

  private raftAddress(node: NodeId): string {
    const c = this.node().cardOf(node);
    return c?.host !== undefined && c.tcp !== undefined ? `${c.host}:${c.tcp}` : node;
  }

  recovering(): boolean {
    return this.node().raft()?.recovering() ?? false;
  }

  raftProgress(): RaftProgressView | undefined {
    const raft = this.node().raft();
    if (!raft?.isLeader()) return undefined;
    const st = raft.status();
    return { term: st.term, lastIndex: st.lastIndex, commitIndex: st.commitIndex, peers: st.peers };
  }

  raftServers(): readonly RaftServerView[] {
    const raft = this.node().raft();
    if (!raft) return [];
    const m = raft.membership();
    const leader = raft.leader();
    return [...m.voters.map((id) => ({ id, voter: true })), ...m.learners.map((id) => ({ id, voter: false }))].map((s) => ({
      ...s,
      address: this.raftAddress(s.id),
      leader: s.id === leader,
    }));
  }

  removeRaftPeer(idOrAddress: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const raft = this.node().raft();
    if (!raft) return Promise.resolve({ ok: false, error: 'raft not started' });
    const target = this.raftServers().find((s) => s.id === idOrAddress || s.address === idOrAddress);
    if (!target) return Promise.resolve({ ok: false, error: `address "${idOrAddress}" was not found in the Raft configuration` });
    return new Promise((resolve) => raft.removeServer(target.id, (r) => resolve(r.ok ? { ok: true } : { ok: false, error: 'reason' in r ? r.reason : r.error })));
  }

  members(): readonly MemberView[] {
    return this.node()
      .members()
      .map((m) => ({
        name: m.node,
        addr: m.meta.host ?? '',
        port: Number(m.meta.udp ?? 0),
        // serf: StatusAlive = 1, StatusLeaving = 2, StatusLeft = 3, StatusFailed = 4
        status: m.status === 'alive' || m.status === 'suspect' ? 1 : m.status === 'left' ? 3 : 4,
        tags: { role: 'consul', dc: this.datacenter, port: m.meta.tcp ?? '', http: m.meta.http ?? '' },
      }));
  }

  renewSession(id: string): Promise<SessionRecord | 'not-found' | 'not-leader'> {
    return new Promise((resolve) =>
      this.node().sessions.renew(id, (r) => resolve(r.ok ? r.value : r.error === 'not-found' ? 'not-found' : 'not-leader')),
    );
  }

  keepAliveLease(id: string): Promise<{ ttlUs: number } | 'not-found' | 'not-leader'> {
    return new Promise((resolve) => this.node().coord.leases.keepAlive(id, (r) => resolve(r.ok ? r.value : r.error === 'not-found' ? 'not-found' : 'not-leader')));
  }

  leave(): Promise<void> {
    return this.onLeave();
  }

  stats(): Readonly<Record<string, number>> {
    const n = this.node();
    const raft = n.raft();
    return {
      raftTerm: n.replicator.term(),
      raftCommitIndex: n.replicator.commitIndex(),
      raftAppliedIndex: n.replicator.appliedIndex(),
      raftLastIndex: raft?.lastIndex() ?? 0,
      raftIsLeader: n.replicator.isLeader() ? 1 : 0,
      swimMembers: n.members().length,
      swimAlive: n.members().filter((m) => m.status === 'alive').length,
      blockingParked: n.hub.parked() + kvWatchFor(n.store).parked(),
      kvKeys: n.store.kv.size(),
      sessions: n.store.sessions.size(),
    };
  }
}
