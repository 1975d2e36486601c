/**
 * CoordRpcServer: serves RpcOps on a Raft node. Writes go through the StoreProposer (so any
 * server accepts them); leader-only operations (renew, keep-alive, TimeToLive, consistent
 * reads) answer not-leader with a hint elsewhere, and the client follows the hint, as
 * etcd and Consul clients do.
 */
import type { Env, NodeId } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../store/commands.ts';
import type { Topic } from '../store/effects.ts';
import type { Proposer } from '../store/proposer.ts';
import { validateStoreCommand } from '../store/validate.ts';
import type { BlockingHub } from './blocking.ts';
import type { LeaseDriver } from './lease-driver.ts';
import type { LeaderOnly } from './leader-driver.ts';
import type { RpcMessage, RpcOp, RpcResult } from './rpc-protocol.ts';
import type { SessionDriver } from './session-driver.ts';

export class CoordRpcServer {
  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<StoreCommand, StoreResult>,
    private readonly store: CoordStore,
    private readonly proposer: Proposer,
    private readonly sessions: SessionDriver,
    private readonly leases: LeaseDriver,
    private readonly hub: BlockingHub,
  ) {
    env.onMessage((from, msg) => {
      const m = msg as RpcMessage;
      if (m.type !== 'rpc.req') return;
      this.handle(m.op, (res) => {
        const out: RpcMessage = { type: 'rpc.res', id: m.id, res };
        this.env.send(from, out, { reliable: true });
      });
    });
  }

  /** Also callable in-process (same semantics as over the network). */
  handle(op: RpcOp, reply: (r: RpcResult) => void): void {
    switch (op.kind) {
      case 'propose': {
        // Refuse a malformed command here rather than spending a log entry on it.
        const invalid = validateStoreCommand(op.cmd);
        if (invalid !== null) return reply({ ok: false, error: 'rejected', reason: invalid });
        this.proposer.propose(op.cmd, (r) => {
          if (r.ok) reply({ ok: true, value: r.result, index: r.index });
          else if (r.error === 'not-leader') reply({ ok: false, error: 'not-leader', ...(r.leader !== undefined ? { leader: r.leader } : {}) });
          else if (r.error === 'rejected') reply({ ok: false, error: 'rejected', reason: r.reason });
          else reply({ ok: false, error: 'unknown-outcome' });
        });
        return;
      }
      case 'session.renew':
        return this.sessions.renew(op.id, (r) => reply(this.leaderOnly(r, 'sessions')));
      case 'lease.keepalive':
        return this.leases.keepAlive(op.id, (r) => reply(this.leaderOnly(r, 'leases')));
      case 'lease.ttl':
        return reply(this.leaderOnly(this.leases.timeToLive(op.id), 'leases'));
      // Consul semantics: a KV read's index is its key's / prefix's (with deletions), not the table's.
      case 'kv.get':
        return this.read('kv', op, () => this.store.kv.get(op.key) ?? null, reply, () => this.store.kvIndex(op.key));
      case 'kv.range':
        return this.read('kv', op, () => this.store.kv.range(op.prefix), reply, () => this.store.kvIndex(op.prefix));
      case 'health':
        return this.read('catalog', op, () => this.store.catalog.health(op.service, { passingOnly: op.passingOnly ?? false }), reply);
      case 'index':
        return this.read(op.topic, op, () => null, reply);
      case 'session.info':
        return this.read('sessions', op, () => this.store.sessions.get(op.id) ?? null, reply);
      case 'session.list':
        return this.read('sessions', op, () => (op.node === undefined ? this.store.sessions.list() : this.store.sessions.boundTo(op.node)), reply);
      case 'lease.list':
        return this.read('leases', op, () => this.store.leases.list(), reply);
      case 'lease.kv':
        return this.read('kv', op, () => this.store.leasedRange(op.prefix), reply);
      case 'catalog.services':
        return this.read('catalog', op, () => this.store.catalog.serviceNames(), reply);
      case 'catalog.nodes':
        return this.read('catalog', op, () => this.store.catalog.listNodes(), reply);
    }
  }

  private leaderOnly<T>(r: LeaderOnly<T>, topic: Topic): RpcResult {
    if (r.ok) return { ok: true, value: r.value, index: this.hub.indexOf(topic) };
    if (r.error === 'not-leader') return r.leader !== undefined ? { ok: false, error: 'not-leader', leader: r.leader } : { ok: false, error: 'not-leader' };
    return { ok: false, error: 'not-found' };
  }

  private read(
    topic: Topic,
    op: { consistent?: boolean; minIndex?: number; waitUs?: number },
    get: () => unknown,
    reply: (r: RpcResult) => void,
    indexFn?: () => number,
  ): void {
    const serve = () => {
      if (op.minIndex !== undefined && op.minIndex > 0) {
        const parked = this.hub.waitFor(topic, indexFn, op.minIndex, op.waitUs, (index) => reply({ ok: true, value: get(), index }));
        if (!parked) reply({ ok: false, error: 'rejected', reason: 'too many blocking queries' });
      } else reply({ ok: true, value: get(), index: indexFn ? Math.max(1, indexFn()) : this.hub.indexOf(topic) });
    };
    if (!op.consistent) return serve();
    if (!this.raft.isLeader()) return reply(this.notLeader());
    this.raft.readBarrier((r) => {
      if (r.ok) serve();
      else if (r.error === 'not-leader') reply(this.notLeader());
      else reply({ ok: false, error: 'timeout' });
    });
  }

  private notLeader(): RpcResult {
    const leader: NodeId | undefined = this.raft.leader();
    return leader !== undefined && leader !== this.env.self ? { ok: false, error: 'not-leader', leader } : { ok: false, error: 'not-leader' };
  }
}
