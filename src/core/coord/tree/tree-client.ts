/**
 * ZkClient: a ZooKeeper-style client core talking to TreeServers over an Env.
 *
 * One client = one session. It pings its server every timeout/3 and, when a pong does not
 * come within 2/3 of the timeout, reconnects to another server with the same session id
 * and its watches (ZooKeeper's client does the same: connection loss is not session loss).
 * Requests outstanding at a disconnect fail with ConnectionLoss (they may or may not have
 * been applied, as in ZooKeeper). Client watchers are one-shot except persistent ones.
 *
 * Each connect attempt draws a nonce (`conn`); messages of the connection are numbered in
 * both directions (`seq`). A gap in what the server sends (a message lost to a partition or a
 * loss burst while later ones got through) is a connection loss, as a broken TCP connection
 * is to ZooKeeper's client: otherwise a lost watch event could be overtaken by a reply that
 * reflects its change. Reconnecting re-registers the watches with the last zxid seen, so the
 * new server fires what was missed (see protocol.ts).
 *
 * Several clients may share a node's Env through ZkClientHost, which routes by `cid`.
 */
import { assert, type Env, type Micros, type NodeId, type Timer } from '../../env.ts';
import type { SessionState, TreeClient, Watcher } from './client-api.ts';
import { isUnder } from './paths.ts';
import type { ServerToClient, WatchedEvent, WatchKind, WatchRegistration, ZkMessage, ZkReply, ZkRequest } from './protocol.ts';
import type { CreateMode, MultiResult, Stat, TreeOp, ZkError } from './types.ts';

/** Routes messages of several clients sharing one node's 'zk' Env. */
export class ZkClientHost {
  private readonly clients = new Map<string, ZkClient>();
  private nextCid = 1;

  constructor(readonly env: Env) {
    env.onMessage((from, msg) => {
      const m = msg as ZkMessage;
      if ('cid' in m) this.clients.get(m.cid)?.receive(from, m as ServerToClient);
    });
  }

  /** A new client (session) talking to `servers`; connects at once. */
  client(servers: readonly NodeId[], opts: ZkClientOptions = {}): ZkClient {
    const cid = `${this.env.self}/${this.nextCid++}`;
    assert(this.clients.size < 10_000, 'too many clients on one host');
    const c = new ZkClient(this.env, cid, servers, opts, () => this.clients.delete(cid));
    this.clients.set(cid, c);
    c.connect();
    return c;
  }
}

export interface ZkClientOptions {
  /** Requested session timeout; default 10 s as kazoo's KazooClient(timeout=10.0) (Curator asks for 60 s). The server clamps it. */
  readonly sessionTimeoutUs?: Micros;
  /** Bound on outstanding requests (ours). */
  readonly maxOutstanding?: number;
  /** Bound on reconnect attempts before the client gives up and reports 'expired'. */
  readonly maxReconnects?: number;
}

interface Pending {
  readonly req: ZkRequest | 'close';
  readonly cb: (reply: ZkReply) => void;
}

const ONE_SHOT: Record<Exclude<WatchKind, 'persistent' | 'persistentRecursive'>, true> = { data: true, exists: true, child: true };

export class ZkClient implements TreeClient {
  private session: string | undefined;
  private st: SessionState = 'connecting';
  private server: NodeId | undefined;
  private serverIdx: number;
  private timeoutUs: Micros;
  private lastZxid = 0;
  private nextXid = 1;
  /** Nonce of the current connection attempt (0 before the first). */
  private conn = 0;
  /** seq of our next message on the connection. */
  private sendSeq = 0;
  /** seq expected on the server's next message on the connection (0 = zk.connected). */
  private recvSeq = 0;
  /** false from a connection loss until the next attempt: its late messages are ignored. */
  private open = false;
  private readonly pending = new Map<number, Pending>();
  private readonly watchers: Record<WatchKind, Map<string, Watcher[]>> = {
    data: new Map(),
    exists: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };
  private readonly stateListeners: ((s: SessionState) => void)[] = [];
  private zxidObservers: ((zxid: number, what: 'connected' | 'pong' | 'watch' | 'res') => void)[] = [];
  private pingTimer: Timer | undefined;
  private deadTimer: Timer | undefined;
  private reconnects = 0;
  private readonly maxOutstanding: number;
  private readonly maxReconnects: number;

  constructor(
    private readonly env: Env,
    readonly cid: string,
    private readonly servers: readonly NodeId[],
    opts: ZkClientOptions,
    private readonly onGone: () => void,
  ) {
    assert(servers.length > 0, 'a client needs at least one server');
    this.timeoutUs = opts.sessionTimeoutUs ?? 10_000_000;
    this.maxOutstanding = opts.maxOutstanding ?? 1000;
    this.maxReconnects = opts.maxReconnects ?? 1000;
    this.serverIdx = env.random.int(servers.length);
  }

  sessionId(): string | undefined {
    return this.session;
  }

  state(): SessionState {
    return this.st;
  }

  /**
   * Calls `fn` with every zxid a server stamps on what it sends this client, in arrival order
   * (for checkers: a session must never see the zxid go back, across reconnects too).
   */
  observeZxids(fn: (zxid: number, what: 'connected' | 'pong' | 'watch' | 'res') => void): void {
    this.zxidObservers.push(fn);
  }

  private observed(zxid: number, what: 'connected' | 'pong' | 'watch' | 'res'): void {
    for (const f of this.zxidObservers) f(zxid, what);
  }

  /** The server this client is attached to (for tests and reports). */
  currentServer(): NodeId | undefined {
    return this.server;
  }

  onState(listener: (s: SessionState) => void): void {
    assert(this.stateListeners.length < 64, 'too many state listeners');
    this.stateListeners.push(listener);
  }

  // ---- connection ----

  connect(): void {
    if (this.st === 'expired' || this.st === 'closed') return;
    this.server = this.servers[this.serverIdx % this.servers.length]!;
    // Random, not a counter: a restarted client node builds clients with the same cids, and a
    // server may still hold a connection of the dead incarnation. Never the previous nonce.
    this.conn = 1 + ((this.conn + this.env.random.int(2 ** 30)) % (2 ** 31 - 1));
    this.sendSeq = 0;
    this.recvSeq = 0;
    this.open = true;
    const watches: WatchRegistration[] = [];
    for (const kind of Object.keys(this.watchers) as WatchKind[]) {
      for (const path of [...this.watchers[kind].keys()].sort()) watches.push({ path, kind });
    }
    this.send({
      type: 'zk.connect',
      cid: this.cid,
      conn: this.conn,
      timeoutUs: this.timeoutUs,
      ...(this.session !== undefined ? { session: this.session } : {}),
      lastZxid: this.lastZxid,
      watches,
    });
    this.armDead();
  }

  private reconnect(): void {
    this.open = false;
    this.pingTimer?.cancel();
    this.deadTimer?.cancel();
    this.failPending('ConnectionLoss');
    if (this.st === 'expired' || this.st === 'closed') return;
    if (++this.reconnects > this.maxReconnects) {
      this.setState('expired');
      return;
    }
    if (this.st === 'connected') this.setState('disconnected');
    this.serverIdx++;
    // Small randomised pause (ours: up to timeout/10) so clients of a dead server do not stampede the next one.
    this.env.after(this.env.random.between(0, Math.floor(this.timeoutUs / 10)), () => this.connect());
  }

  /** No answer from the server within 2/3 of the session timeout: try another one. */
  private armDead(): void {
    this.deadTimer?.cancel();
    this.deadTimer = this.env.after(Math.floor((this.timeoutUs * 2) / 3), () => this.reconnect());
  }

  private armPing(): void {
    this.pingTimer?.cancel();
    this.pingTimer = this.env.after(Math.floor(this.timeoutUs / 3), () => {
      if (this.st !== 'connected' || this.session === undefined) return;
      this.send({ type: 'zk.ping', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session });
      this.armPing();
    });
  }

  receive(from: NodeId, msg: ServerToClient): void {
    // A late message from a server we left, or of a connection we left or lost.
    if (!this.open || from !== this.server || msg.conn !== this.conn) return;
    if (msg.type !== 'zk.refused' && msg.type !== 'zk.expired') {
      // The connection's stream: zk.connected is seq 0, then every message in order. A gap
      // means something was lost (perhaps a watch event this very message would overtake):
      // drop the message and the connection. Nothing of it is used, not even its zxid, so
      // SetWatches on the next server fires whatever the lost messages would have told.
      if (msg.seq !== this.recvSeq || (msg.seq === 0) !== (msg.type === 'zk.connected')) {
        this.reconnect();
        return;
      }
      this.recvSeq++;
    }
    switch (msg.type) {
      case 'zk.connected':
        this.observed(msg.zxid, 'connected');
        this.session = msg.session;
        this.timeoutUs = msg.timeoutUs;
        this.lastZxid = Math.max(this.lastZxid, msg.zxid);
        this.reconnects = 0;
        this.armDead();
        this.armPing();
        this.setState('connected');
        return;
      case 'zk.refused':
        this.reconnect();
        return;
      case 'zk.expired':
        this.expire();
        return;
      case 'zk.pong':
        this.observed(msg.zxid, 'pong');
        this.lastZxid = Math.max(this.lastZxid, msg.zxid);
        this.armDead();
        return;
      case 'zk.watch':
        this.observed(msg.event.zxid, 'watch');
        this.armDead();
        this.lastZxid = Math.max(this.lastZxid, msg.event.zxid);
        this.deliver(msg.event);
        return;
      case 'zk.res': {
        this.observed(msg.zxid, 'res');
        this.armDead();
        this.lastZxid = Math.max(this.lastZxid, msg.zxid);
        const p = this.pending.get(msg.xid);
        if (!p) return;
        this.pending.delete(msg.xid);
        p.cb(msg.reply);
        return;
      }
    }
  }

  private expire(): void {
    this.open = false;
    this.pingTimer?.cancel();
    this.deadTimer?.cancel();
    this.failPending('SessionExpired');
    for (const m of Object.values(this.watchers)) m.clear();
    this.setState('expired');
    this.onGone();
  }

  private setState(s: SessionState): void {
    if (this.st === s) return;
    this.st = s;
    for (const l of [...this.stateListeners]) l(s);
  }

  private failPending(error: ZkError): void {
    const all = [...this.pending.entries()].sort((a, b) => a[0] - b[0]);
    this.pending.clear();
    for (const [, p] of all) p.cb({ ok: false, error });
  }

  private deliver(ev: WatchedEvent): void {
    const fired: Watcher[] = [];
    const take = (kind: keyof typeof ONE_SHOT) => {
      const ws = this.watchers[kind].get(ev.path);
      if (!ws) return;
      this.watchers[kind].delete(ev.path);
      fired.push(...ws);
    };
    if (ev.type === 'NodeCreated' || ev.type === 'NodeDataChanged') {
      take('data');
      take('exists');
    } else if (ev.type === 'NodeDeleted') {
      take('data');
      take('exists');
      take('child');
    } else take('child');
    fired.push(...(this.watchers.persistent.get(ev.path) ?? []));
    if (ev.type !== 'NodeChildrenChanged') {
      for (const [root, ws] of [...this.watchers.persistentRecursive.entries()].sort()) if (isUnder(ev.path, root)) fired.push(...ws);
    }
    for (const w of fired) w(ev);
  }

  private addWatcher(kind: WatchKind, path: string, w: Watcher): void {
    const m = this.watchers[kind];
    const ws = m.get(path) ?? [];
    assert(ws.length < 10_000, 'too many watchers on one path');
    ws.push(w);
    m.set(path, ws);
  }

  // ---- requests ----

  private request(req: ZkRequest | 'close', cb: (reply: ZkReply) => void): void {
    if (this.st === 'expired') return cb({ ok: false, error: 'SessionExpired' });
    if (this.st !== 'connected' || this.session === undefined || this.pending.size >= this.maxOutstanding) {
      return cb({ ok: false, error: 'ConnectionLoss' });
    }
    const xid = this.nextXid++;
    this.pending.set(xid, { req, cb });
    if (req === 'close') this.send({ type: 'zk.close', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session, xid });
    else this.send({ type: 'zk.req', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session, xid, req });
  }

  private send(msg: ZkMessage): void {
    if (this.server !== undefined) this.env.send(this.server, msg, { reliable: true });
  }

  create(path: string, data: string, mode: CreateMode, cb: (err: ZkError | null, path?: string, stat?: Stat) => void): void {
    this.request({ op: 'create', path, data, mode }, (r) => (r.ok && r.op === 'create' ? cb(null, r.path, r.stat) : cb(r.ok ? 'BadArguments' : r.error)));
  }

  delete(path: string, version: number, cb: (err: ZkError | null) => void): void {
    this.request({ op: 'delete', path, version }, (r) => cb(r.ok ? null : r.error));
  }

  setData(path: string, data: string, version: number, cb: (err: ZkError | null, stat?: Stat) => void): void {
    this.request({ op: 'setData', path, data, version }, (r) => (r.ok && r.op === 'setData' ? cb(null, r.stat) : cb(r.ok ? 'BadArguments' : r.error)));
  }

  getData(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, data?: string, stat?: Stat) => void): void {
    this.request({ op: 'getData', path, watch: watcher !== undefined }, (r) => {
      if (r.ok && r.op === 'getData') {
        if (watcher) this.addWatcher('data', path, watcher);
        cb(null, r.data, r.stat);
      } else cb(r.ok ? 'BadArguments' : r.error);
    });
  }

  exists(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, stat?: Stat | null) => void): void {
    this.request({ op: 'exists', path, watch: watcher !== undefined }, (r) => {
      if (r.ok && r.op === 'exists') {
        if (watcher) this.addWatcher('exists', path, watcher);
        cb(null, r.stat);
      } else cb(r.ok ? 'BadArguments' : r.error);
    });
  }

  getChildren(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, children?: readonly string[], stat?: Stat) => void): void {
    this.request({ op: 'getChildren', path, watch: watcher !== undefined }, (r) => {
      if (r.ok && r.op === 'getChildren') {
        if (watcher) this.addWatcher('child', path, watcher);
        cb(null, r.children, r.stat);
      } else cb(r.ok ? 'BadArguments' : r.error);
    });
  }

  multi(ops: readonly TreeOp[], cb: (err: ZkError | null, result?: MultiResult) => void): void {
    this.request({ op: 'multi', ops }, (r) => (r.ok && r.op === 'multi' ? cb(null, r.result) : cb(r.ok ? 'BadArguments' : r.error)));
  }

  sync(path: string, cb: (err: ZkError | null) => void): void {
    this.request({ op: 'sync', path }, (r) => cb(r.ok ? null : r.error));
  }

  /** A persistent watch: recursive (the default, as TreeClient.addWatch) or on the path only. */
  addWatch(path: string, watcher: Watcher, cb: (err: ZkError | null) => void, mode: 'persistent' | 'persistentRecursive' = 'persistentRecursive'): void {
    this.request({ op: 'addWatch', path, mode }, (r) => {
      if (r.ok) this.addWatcher(mode, path, watcher);
      cb(r.ok ? null : r.error);
    });
  }

  close(cb?: (err: ZkError | null) => void): void {
    this.request('close', (r) => {
      if (r.ok) {
        this.pingTimer?.cancel();
        this.deadTimer?.cancel();
        this.setState('closed');
        this.onGone();
      }
      cb?.(r.ok ? null : r.error);
    });
  }
}
