/**
 * TreeServer: the per-node ZooKeeper-style server core. Clients connect to one server; it
 *
 * - keeps one connection per session (the client's latest attempt, `conn`), numbering what it
 *   sends on it and checking the numbers of what it receives (`seq`): a gap in either
 *   direction breaks the connection, as a lost segment breaks ZooKeeper's TCP connection
 *   (see protocol.ts);
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
import { ZK_MAX_DATA_BYTES } from '../config.ts';
import type { Replicator } from '../../raft/api.ts';
import type { CoordStore } from '../../store/coord-store.ts';
import type { StoreCommand, StoreCommandBody, StoreResult } from '../../store/commands.ts';
import type { AppliedEntry } from '../../store/effects.ts';
import type { Proposer } from '../../store/proposer.ts';
import type { TreeDriver } from './tree-driver.ts';
import { WatchTable } from './watches.ts';
import { isValidPath } from './paths.ts';
import type { ClientToServer, ServerToClient, WatchedEvent, WatchKind, ZkMessage, ZkReply, ZkRequest } from './protocol.ts';
import type { WatchEventType, ZkError } from './types.ts';

interface Conn {
  readonly session: string;
  node: NodeId;
  cid: string;
  /** The client's nonce for this connection; stamped on every message sent on it. */
  conn: number;
  /** seq of the next message to the client (0 = zk.connected). */
  sendSeq: number;
  /** seq expected on the next message from the client. */
  recvSeq: number;
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
  /**
   * BROKEN on purpose (scenarios/broken only): serve a client that has seen a newer zxid than
   * this replica has applied, instead of refusing it as ZooKeeper does. Its reads then go back
   * in time; the ZooKeeper-guarantee checker must catch it.
   */
  readonly unsafeServeClientsAhead?: boolean;
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
  private readonly unsafeServeClientsAhead: boolean;
  /** In-process clients (hanode's ZooKeeper wire gateway): node id → delivery. */
  private readonly locals = new Map<NodeId, (msg: ServerToClient) => void>();

  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<StoreCommand, StoreResult>,
    private readonly store: CoordStore,
    private readonly proposer: Proposer,
    private readonly driver: TreeDriver,
    opts: TreeServerOptions = {},
  ) {
    this.touchIntervalUs = opts.touchIntervalUs ?? ms(1000);
    this.maxQueue = opts.maxQueuePerSession ?? 1000;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.unsafeServeClientsAhead = opts.unsafeServeClientsAhead === true;
    env.onMessage((from, msg) => {
      // A network message claiming to come from an in-process endpoint is an impostor.
      if (!this.locals.has(from)) this.onMessage(from, msg as ZkMessage);
    });
    store.onApply((e) => this.onApplied(e));
    // A snapshot install jumps the tree forward without per-entry events: watches could miss
    // changes. Drop every connection; clients reconnect with their watches and last zxid,
    // and SetWatches fires whatever changed (as a ZooKeeper learner resyncing does).
    store.onRestore(() => {
      for (const c of [...this.conns.values()]) {
        this.send(c.node, { type: 'zk.refused', cid: c.cid, conn: c.conn, reason: 'snapshot installed' });
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
      this.send(c.node, { type: 'zk.refused', cid: c.cid, conn: c.conn, reason: 'no quorum' });
      this.dropConn(c.session);
    }
  }

  /**
   * Attaches an in-process client endpoint under `node` (an id no server uses): what this
   * server sends to `node` goes to `deliver` instead of the network, and the returned function
   * hands the endpoint's messages in as if they came from `node`. Used by hanode's ZooKeeper
   * wire gateway, which multiplexes its TCP clients on `cid`, exactly as a simulated client
   * host does on one node.
   */
  attachLocal(node: NodeId, deliver: (msg: ServerToClient) => void): (msg: ClientToServer) => void {
    assert(node !== this.env.self, 'a local endpoint cannot take the server\'s own id');
    this.locals.set(node, deliver);
    return (msg) => this.onMessage(node, msg);
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
        const c = this.inbound(from, msg);
        if (!c) return;
        this.touched.add(c.session);
        if (c.queue.length >= this.maxQueue) {
          this.reply(c, msg.xid, { ok: false, error: 'ConnectionLoss' });
          return;
        }
        c.queue.push({ xid: msg.xid, req: msg.req });
        this.pump(c);
        return;
      }
      case 'zk.ping': {
        const c = this.inbound(from, msg);
        if (!c) return;
        this.touched.add(c.session);
        this.send(c.node, { type: 'zk.pong', cid: c.cid, conn: c.conn, seq: c.sendSeq++, zxid: this.store.appliedIndex() });
        return;
      }
      case 'zk.close': {
        const c = this.inbound(from, msg);
        if (!c) return;
        c.queue.push({ xid: msg.xid, req: 'close' });
        this.pump(c);
        return;
      }
      case 'zk.touch':
        if (!Array.isArray(msg.sessions)) return; // from a peer: untrusted shape
        this.driver.touch(msg.sessions.filter((s): s is string => typeof s === 'string'));
        return;
      default:
        return; // server-to-client messages are not for us
    }
  }

  /**
   * The connection a client message belongs to, once its seq is the one expected; undefined
   * (and the client told to reconnect) for an unknown connection or a gap in its stream.
   */
  private inbound(from: NodeId, msg: Extract<ClientToServer, { type: 'zk.req' | 'zk.ping' | 'zk.close' }>): Conn | undefined {
    const c = this.conns.get(msg.session);
    if (!c || c.cid !== msg.cid || c.node !== from || c.conn !== msg.conn) {
      // Dropped (no quorum, snapshot, a gap, the session removed) or made before this server
      // restarted: ConnectionLoss for the client, which reconnects. Whether the session
      // expired is for a server at least as recent as the client to say (onConnect): this
      // replica may still be catching up after a restart.
      this.send(from, { type: 'zk.refused', cid: msg.cid, conn: msg.conn, reason: 'no such connection' });
      return undefined;
    }
    if (msg.seq !== c.recvSeq) {
      // A message of this connection was lost on the way (or, from a misbehaving peer, came
      // twice): what follows must not be served out of order. Break the connection, as TCP
      // would; the client fails its outstanding requests with ConnectionLoss and reconnects.
      this.send(c.node, { type: 'zk.refused', cid: c.cid, conn: c.conn, reason: 'stream gap' });
      this.dropConn(c.session);
      return undefined;
    }
    c.recvSeq++;
    return c;
  }

  private onConnect(from: NodeId, msg: Extract<ClientToServer, { type: 'zk.connect' }>): void {
    const conn = msg.conn;
    if (this.raft.leader() === undefined) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, conn, reason: 'no quorum' });
      return;
    }
    // ZooKeeper refuses a client that has seen a newer zxid than this server has.
    if (msg.lastZxid > this.store.appliedIndex() && !this.unsafeServeClientsAhead) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, conn, reason: 'server behind client' });
      return;
    }
    if (msg.session !== undefined) {
      if (!this.store.tree.hasSession(msg.session)) {
        this.send(from, { type: 'zk.expired', cid: msg.cid, conn, session: msg.session });
        return;
      }
      const rec = this.store.tree.getSession(msg.session)!;
      this.attach(from, msg.cid, msg.session, conn, rec.timeoutUs);
      // SetWatches: re-register, and fire at once what changed while the client was away
      // (after zk.connected: every message of a connection follows its seq 0).
      for (const w of msg.watches) this.reRegister(msg.session, w.path, w.kind, msg.lastZxid);
      return;
    }
    if (this.conns.size >= this.maxSessions) {
      this.send(from, { type: 'zk.refused', cid: msg.cid, conn, reason: 'too many sessions' });
      return;
    }
    this.proposer.propose({ type: 'zk.session.create', timeoutUs: msg.timeoutUs }, (r) => {
      if (!r.ok || !r.result.ok || r.result.type !== 'zk.session.create') {
        this.send(from, { type: 'zk.refused', cid: msg.cid, conn, reason: r.ok ? 'rejected' : r.error });
        return;
      }
      const { session, timeoutUs } = r.result;
      this.afterLocalApply(r.index, () => {
        if (!this.store.tree.hasSession(session)) {
          this.send(from, { type: 'zk.expired', cid: msg.cid, conn, session });
          return;
        }
        this.attach(from, msg.cid, session, conn, timeoutUs);
      });
    });
  }

  /** Makes (node, cid, conn) the session's connection, and opens it with zk.connected (seq 0). */
  private attach(node: NodeId, cid: string, session: string, conn: number, timeoutUs: Micros): void {
    let c = this.conns.get(session);
    if (c) {
      // A request of the previous connection still in flight answers on this one; the client
      // failed it with ConnectionLoss and ignores the reply, in order.
      c.node = node;
      c.cid = cid;
      c.conn = conn;
      c.sendSeq = 0;
      c.recvSeq = 0;
    } else {
      c = { session, node, cid, conn, sendSeq: 0, recvSeq: 0, queue: [], busy: false };
      this.conns.set(session, c);
    }
    this.touched.add(session);
    this.send(node, { type: 'zk.connected', cid, conn, seq: c.sendSeq++, session, timeoutUs, zxid: this.store.appliedIndex() });
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
        this.watches.add(c.session, req.path, req.mode);
        return { ok: true, op: 'addWatch' };
      case 'removeWatch': {
        let removed = false;
        for (const kind of req.kinds) if (this.watches.remove(c.session, req.path, kind)) removed = true;
        return removed ? { ok: true, op: 'removeWatch' } : { ok: false, error: 'NoWatcher' };
      }
      case 'checkWatch':
        return req.kinds.some((k) => this.watches.has(c.session, req.path, k)) ? { ok: true, op: 'checkWatch' } : { ok: false, error: 'NoWatcher' };
      case 'setWatches':
        for (const w of req.watches) if (isValidPath(w.path)) this.reRegister(c.session, w.path, w.kind, req.relativeZxid);
        return { ok: true, op: 'setWatches' };
      default:
        return undefined;
    }
  }

  private toCommand(session: string, req: ZkRequest): StoreCommandBody | ZkError {
    switch (req.op) {
      case 'create':
        // Bounds the apply checks too (ZkTree.create), refused here without a log entry.
        if (req.data.length > ZK_MAX_DATA_BYTES || this.store.tree.size() >= this.store.tree.maxNodes) return 'BadArguments';
        return { type: 'zk.op', session, op: { op: 'create', path: req.path, data: req.data, mode: req.mode } };
      case 'delete':
        return { type: 'zk.op', session, op: { op: 'delete', path: req.path, version: req.version } };
      case 'setData':
        if (req.data.length > ZK_MAX_DATA_BYTES) return 'BadArguments';
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
          if (e.command.type === 'zk.session.expire') this.send(c.node, { type: 'zk.expired', cid: c.cid, conn: c.conn, session: fx.id });
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
    this.send(c.node, { type: 'zk.watch', cid: c.cid, conn: c.conn, seq: c.sendSeq++, event: ev });
  }

  private reply(c: Conn, xid: number, reply: ZkReply): void {
    this.send(c.node, { type: 'zk.res', cid: c.cid, conn: c.conn, seq: c.sendSeq++, xid, zxid: this.store.appliedIndex(), reply });
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
    const local = this.locals.get(to);
    if (local) local(msg as ServerToClient);
    else this.env.send(to, msg, { reliable: true });
  }
}
