/**
 * TreeServer: the per-node ZooKeeper-style server core. Clients connect to one server; it
 *
 * - processes each session's requests strictly in order (ZooKeeper's FIFO client order):
 *   reads from the local replica, writes through the StoreProposer (forwarded to the leader
 *   when this node is a follower), replying only once the write is applied locally;
 * - keeps the watches of its own sessions and notifies them from applied entries, at apply
 *   time and on the FIFO channel, so a client always sees a watch event before any reply
 *   reflecting the change that fired it;
 * - reports pinged sessions to the leader's TreeDriver, which expires silent ones.
 *
 * Reads are sequentially consistent, not linearizable (as ZooKeeper); `sync` makes the
 * local replica catch up with the leader first.
 */
import { assert, ms, type Env, type Micros, type NodeId, type Timer } from '../../env.ts';
import type { Replicator } from '../../raft/api.ts';
import type { CoordStore } from '../../store/coord-store.ts';
import type { StoreCommand, StoreCommandBody, StoreResult } from '../../store/commands.ts';
import type { AppliedEntry } from '../../store/effects.ts';
import type { StoreProposer } from '../../store/proposer.ts';
import type { TreeDriver } from './tree-driver.ts';
import { WatchTable } from './watches.ts';
import { isValidPath } from './paths.ts';
import type { ClientToServer, WatchedEvent, WatchKind, ZkMessage, ZkReply, ZkRequest } from './protocol.ts';
import type { WatchEventType, ZkError } from './types.ts';

interface Conn {
  readonly session: string;
  node: NodeId;
  cid: string;
  readonly queue: { xid: number; req: ZkRequest | 'close' }[];
  busy: boolean;
}

export interface TreeServerOptions {
  /**
   * How often pinged sessions are reported to the leader. A ZooKeeper leader pings each
   * follower every tickTime / 2 (= 1 s with the default 2 s tick) and the follower answers
   * with the sessions it has heard from (Leader.lead / Learner.ping).
   */
  readonly touchIntervalUs?: Micros;
  /** Bound on queued requests per session (ours; ZooKeeper bounds outstanding requests globally, 1000 by default). */
  readonly maxQueuePerSession?: number;
  /** Bound on connected sessions (ZooKeeper's maxClientCnxns is per IP, default 60; ours is per server). */
  readonly maxSessions?: number;
}

export class TreeServer {
  private readonly conns = new Map<string, Conn>();
  private readonly watches = new WatchTable();
  private readonly touched = new Set<string>();
  /** Local-apply waiters: index → callbacks, run once appliedIndex >= index. */
  private readonly applyWaiters: { index: number; fn: () => void }[] = [];
  private touchTimer: Timer | undefined;
  private readonly touchIntervalUs: Micros;
  private readonly maxQueue: number;
  private readonly maxSessions: number;

  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<StoreCommand, StoreResult>,
    private readonly store: CoordStore,
    private readonly proposer: StoreProposer,
    private readonly driver: TreeDriver,
    opts: TreeServerOptions = {},
  ) {
    this.touchIntervalUs = opts.touchIntervalUs ?? ms(1000);
    this.maxQueue = opts.maxQueuePerSession ?? 1000;
    this.maxSessions = opts.maxSessions ?? 10_000;
    env.onMessage((from, msg) => this.onMessage(from, msg as ZkMessage));
    store.onApply((e) => this.onApplied(e));
    // A snapshot install jumps the tree forward without per-entry events: watches could miss
    // changes. Drop every connection; clients reconnect with their watches and last zxid,
    // and SetWatches fires whatever changed (as a ZooKeeper learner resyncing does).
    store.onRestore(() => {
      for (const c of [...this.conns.values()]) {
        this.send(c.node, { type: 'zk.refused', cid: c.cid, reason: 'snapshot installed' });
        this.dropConn(c.session);
      }
      for (const w of this.applyWaiters.splice(0)) w.fn();
    });
  }

  start(): void {
    const tick = () => {
      this.touchTimer = this.env.after(this.touchIntervalUs, () => {
        this.flushTouches();
        tick();
      });
    };
    tick();
  }

  stop(): void {
    this.touchTimer?.cancel();
  }

  /**
   * Called on every Raft role change. A server that knows no leader (it is cut off from the
   * quorum) stops serving, as a ZooKeeper server that loses its quorum does: its clients
   * reconnect elsewhere, instead of reading ever staler state; a client that cannot reach a
   * serving server for its session timeout finds its session expired when it comes back.
   */
  onRoleChange(): void {
    if (this.raft.leader() !== undefined) return;
    for (const c of [...this.conns.values()]) {
      this.send(c.node, { type: 'zk.refused', cid: c.cid, reason: 'no quorum' });
      this.dropConn(c.session);
    }
  }

  connectedSessions(): string[] {
    return [...this.conns.keys()].sort();
  }

  // ---- messages ----

  private onMessage(from: NodeId, msg: ZkMessage): void {
    switch (msg.type) {
      case 'zk.connect':
        return this.onConnect(from, msg);
      case 'zk.req': {
        const c = this.conns.get(msg.session);
        if (!c || c.cid !== msg.cid || c.node !== from) {
          this.send(from, { type: 'zk.res', cid: msg.cid, xid: msg.xid, zxid: this.store.appliedIndex(), reply: { ok: false, error: this.store.tree.hasSession(msg.session) ? 'ConnectionLoss' : 'SessionExpired' } });
          return;
        }
        this.touched.add(c.session);
        if (c.queue.length >= this.maxQueue) {
          this.send(from, { type: 'zk.res', cid: c.cid, xid: msg.xid, zxid: this.store.appliedIndex(), reply: { ok: false, error: 'ConnectionLoss' } });
          return;
        }
        c.queue.push({ xid: msg.xid, req: msg.req });
        this.pump(c);
        return;
      }
      case 'zk.ping': {
        const c = this.conns.get(msg.session);
        if (!c || c.cid !== msg.cid) return; // the client's ping timeout makes it reconnect
        this.touched.add(c.session);
        this.send(from, { type: 'zk.pong', cid: msg.cid, zxid: this.store.appliedIndex() });
        return;
      }
      case 'zk.close': {
        const c = this.conns.get(msg.session);
        if (!c || c.cid !== msg.cid) return;
        c.queue.push({ xid: msg.xid, req: 'close' });
        this.pump(c);
        return;
      }
      case 'zk.touch':
        this.driver.touch(msg.sessions);
        return;
      default:
        return; // server-to-client messages are not for us
    }
  }

  private onConnect(from: NodeId, msg: Extract<ClientToServer, { type: 'zk.connect' }>): void {
    if (this.raft.leader() === undefined) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, reason: 'no quorum' });
      return;
    }
    // ZooKeeper refuses a client that has seen a newer zxid than this server has.
    if (msg.lastZxid > this.store.appliedIndex()) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, reason: 'server behind client' });
      return;
    }
    if (msg.session !== undefined) {
      if (!this.store.tree.hasSession(msg.session)) {
        this.send(from, { type: 'zk.expired', cid: msg.cid, session: msg.session });
        return;
      }
      this.attach(from, msg.cid, msg.session);
      // SetWatches: re-register, and fire at once what changed while the client was away.
      for (const w of msg.watches) this.reRegister(msg.session, w.path, w.kind, msg.lastZxid);
      const rec = this.store.tree.getSession(msg.session)!;
      this.send(from, { type: 'zk.connected', cid: msg.cid, session: msg.session, timeoutUs: rec.timeoutUs, zxid: this.store.appliedIndex() });
      return;
    }
    if (this.conns.size >= this.maxSessions) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, reason: 'too many sessions' });
      return;
    }
    this.proposer.propose({ type: 'zk.session.create', timeoutUs: msg.timeoutUs }, (r) => {
      if (!r.ok || !r.result.ok || r.result.type !== 'zk.session.create') {
        this.send(from, { type: 'zk.refused', cid: msg.cid, reason: r.ok ? 'rejected' : r.error });
        return;
      }
      const { session, timeoutUs } = r.result;
      this.afterLocalApply(r.index, () => {
        if (!this.store.tree.hasSession(session)) {
          this.send(from, { type: 'zk.expired', cid: msg.cid, session });
          return;
        }
        this.attach(from, msg.cid, session);
        this.send(from, { type: 'zk.connected', cid: msg.cid, session, timeoutUs, zxid: this.store.appliedIndex() });
      });
    });
  }

  private attach(node: NodeId, cid: string, session: string): void {
    const old = this.conns.get(session);
    if (old) {
      old.node = node;
      old.cid = cid;
    } else {
      this.conns.set(session, { session, node, cid, queue: [], busy: false });
    }
    this.touched.add(session);
  }

  private reRegister(session: string, path: string, kind: WatchKind, lastZxid: number): void {
    const st = this.store.tree.exists(path);
    const fire = (type: WatchEventType) =>
      this.notify(session, { type, path, zxid: this.store.appliedIndex() });
    if (kind === 'data' || kind === 'exists') {
      if (!st) {
        if (kind === 'data') return fire('NodeDeleted');
      } else if (kind === 'exists' && st.czxid > lastZxid) return fire('NodeCreated');
      else if (st.mzxid > lastZxid) return fire('NodeDataChanged');
    } else if (kind === 'child') {
      if (!st) return fire('NodeDeleted');
      if (st.pzxid > lastZxid) return fire('NodeChildrenChanged');
    }
    this.watches.add(session, path, kind);
  }

  // ---- request processing, one at a time per session ----

  private pump(c: Conn): void {
    while (!c.busy && c.queue.length > 0) {
      const { xid, req } = c.queue.shift()!;
      if (req === 'close') {
        c.busy = true;
        this.proposer.propose({ type: 'zk.session.close', session: c.session }, (r) => {
          const done = () => {
            this.reply(c, xid, { ok: true, op: 'sync' });
            this.dropConn(c.session);
          };
          if (r.ok) this.afterLocalApply(r.index, done);
          else {
            c.busy = false;
            this.reply(c, xid, { ok: false, error: 'ConnectionLoss' });
          }
        });
        return;
      }
      const read = this.tryRead(c, req);
      if (read) {
        this.reply(c, xid, read);
        continue;
      }
      const cmd = this.toCommand(c.session, req);
      if (typeof cmd === 'string') {
        this.reply(c, xid, { ok: false, error: cmd });
        continue;
      }
      c.busy = true;
      this.proposer.propose(cmd, (r) => {
        if (!r.ok) {
          c.busy = false;
          this.reply(c, xid, { ok: false, error: 'ConnectionLoss' });
          this.pump(c);
          return;
        }
        this.afterLocalApply(r.index, () => {
          c.busy = false;
          this.reply(c, xid, this.fromResult(req, r.result));
          this.pump(c);
        });
      });
    }
  }

  /** Serves a read (or a watch registration) locally; undefined for writes. */
  private tryRead(c: Conn, req: ZkRequest): ZkReply | undefined {
    const tree = this.store.tree;
    switch (req.op) {
      case 'getData': {
        if (!isValidPath(req.path)) return { ok: false, error: 'BadArguments' };
        const d = tree.getData(req.path);
        if (!d) return { ok: false, error: 'NoNode' };
        if (req.watch) this.watches.add(c.session, req.path, 'data');
        return { ok: true, op: 'getData', data: d.data, stat: d.stat };
      }
      case 'exists': {
        if (!isValidPath(req.path)) return { ok: false, error: 'BadArguments' };
        // exists() leaves a watch whether or not the node exists (it fires NodeCreated).
        if (req.watch) this.watches.add(c.session, req.path, 'exists');
        return { ok: true, op: 'exists', stat: tree.exists(req.path) ?? null };
      }
      case 'getChildren': {
        if (!isValidPath(req.path)) return { ok: false, error: 'BadArguments' };
        const ch = tree.getChildren(req.path);
        if (!ch) return { ok: false, error: 'NoNode' };
        if (req.watch) this.watches.add(c.session, req.path, 'child');
        return { ok: true, op: 'getChildren', children: ch, stat: tree.exists(req.path)! };
      }
      case 'addWatch':
        if (!isValidPath(req.path)) return { ok: false, error: 'BadArguments' };
        this.watches.add(c.session, req.path, 'persistentRecursive');
        return { ok: true, op: 'addWatch' };
      case 'removeWatch':
        this.watches.remove(c.session, req.path, req.kind);
        return { ok: true, op: 'removeWatch' };
      default:
        return undefined;
    }
  }

  private toCommand(session: string, req: ZkRequest): StoreCommandBody | ZkError {
    switch (req.op) {
      case 'create':
        return { type: 'zk.op', session, op: { op: 'create', path: req.path, data: req.data, mode: req.mode } };
      case 'delete':
        return { type: 'zk.op', session, op: { op: 'delete', path: req.path, version: req.version } };
      case 'setData':
        return { type: 'zk.op', session, op: { op: 'setData', path: req.path, data: req.data, version: req.version } };
      case 'multi':
        return { type: 'zk.multi', session, ops: req.ops };
      case 'sync':
        return { type: 'noop' };
      default:
        return 'BadArguments';
    }
  }

  private fromResult(req: ZkRequest, r: StoreResult): ZkReply {
    if (!r.ok) return { ok: false, error: 'BadArguments' };
    if (req.op === 'sync') return { ok: true, op: 'sync' };
    if (r.type === 'zk.multi') return { ok: true, op: 'multi', result: r.result };
    if (r.type !== 'zk.op') return { ok: false, error: 'BadArguments' };
    if (!r.result.ok) return { ok: false, error: r.result.error };
    const v = r.result.value;
    switch (v.op) {
      case 'create':
        return { ok: true, op: 'create', path: v.path, stat: v.stat };
      case 'setData':
        return { ok: true, op: 'setData', stat: v.stat };
      case 'delete':
        return { ok: true, op: 'delete' };
      default:
        return { ok: false, error: 'BadArguments' };
    }
  }

  // ---- applied entries: watches, expiry, local-apply waiters ----

  private onApplied(e: AppliedEntry): void {
    for (const fx of e.effects) {
      if (fx.kind === 'zk.events') {
        for (const ev of fx.events) for (const s of this.watches.trigger(ev)) this.notify(s, ev);
      } else if (fx.kind === 'zk.session.removed') {
        const c = this.conns.get(fx.id);
        this.watches.dropSession(fx.id);
        if (c) {
          this.dropConn(fx.id);
          if (e.command.type === 'zk.session.expire') this.send(c.node, { type: 'zk.expired', cid: c.cid, session: fx.id });
        }
      }
    }
    // Bounded: one waiter per in-flight request of a connected session.
    while (this.applyWaiters.length > 0 && this.applyWaiters[0]!.index <= e.index) this.applyWaiters.shift()!.fn();
  }

  private afterLocalApply(index: number, fn: () => void): void {
    if (this.store.appliedIndex() >= index) {
      fn();
      return;
    }
    // Keep the list sorted by index (insertion from the back: indexes mostly arrive in order).
    let i = this.applyWaiters.length;
    while (i > 0 && this.applyWaiters[i - 1]!.index > index) i--;
    this.applyWaiters.splice(i, 0, { index, fn });
    assert(this.applyWaiters.length <= this.maxQueue * Math.max(1, this.conns.size) + this.maxSessions, 'too many local-apply waiters');
  }

  private notify(session: string, ev: WatchedEvent): void {
    const c = this.conns.get(session);
    if (!c) return;
    this.send(c.node, { type: 'zk.watch', cid: c.cid, event: ev });
  }

  private reply(c: Conn, xid: number, reply: ZkReply): void {
    this.send(c.node, { type: 'zk.res', cid: c.cid, xid, zxid: this.store.appliedIndex(), reply });
  }

  private dropConn(session: string): void {
    this.conns.delete(session);
    this.watches.dropSession(session);
    this.touched.delete(session);
  }

  private flushTouches(): void {
    if (this.touched.size === 0) return;
    const sessions = [...this.touched].sort();
    this.touched.clear();
    if (this.raft.isLeader()) {
      this.driver.touch(sessions);
      return;
    }
    const leader = this.raft.leader();
    if (leader !== undefined && leader !== this.env.self) this.send(leader, { type: 'zk.touch', sessions });
  }

  private send(to: NodeId, msg: ZkMessage): void {
    this.env.send(to, msg, { reliable: true });
  }
}
