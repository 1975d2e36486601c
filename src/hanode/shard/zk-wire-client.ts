/**
 * The tree client the shard cores expect (core/coord/tree TreeClient, what TreeRegistry and
 * the master election are written against), spoken over ZooKeeper's client wire protocol to
 * hanode's `--zk` gateway: the one adapter between the cores and the coordination servers.
 *
 * ZooKeeper's client rules (ClientCnxn), kept small:
 * - one TCP connection at a time, to one of the servers; replies come in request order;
 * - a ping every third of the negotiated session timeout; nothing heard for two thirds of it
 *   closes the connection (ClientCnxn's readTimeout) and the client moves to the next server,
 *   presenting its session id and password;
 * - requests in flight when a connection drops fail with ConnectionLoss (their outcome is
 *   unknown: TreeRegistry is written for that); requests made while connecting wait (bounded);
 * - a server answering a reconnect with timeout 0 means the session expired: state 'expired',
 *   after which the owner makes a new client (TreeRegistry's connect());
 * - cut off from every server for longer than the session timeout, the session is taken as
 *   expired here too (Curator's behaviour): the ensemble has expired it by then, so acting on
 *   it (as master) would be unsafe.
 * Watches are one-shot and are not re-set on reconnect (no SetWatches): the election re-lists
 * on a timer, so a lost watch only delays it.
 *
 * Everything a callback is given arrives through `schedule` (env.after(0, ..) of the calling
 * core): callbacks then run as the core's events, guarded and inert after it stops.
 */
import net from 'node:net';
import type { CreateMode, MultiResult, SessionState, Stat, TreeClient, TreeOp, Watcher, ZkError } from '../../core/coord/tree/index.ts';
import { ZK_ERROR_CODES } from '../../core/coord/tree/index.ts';
import { dataToTree, dataToWire } from '../zk/convert.ts';
import { FrameSplitter, JuteError, JuteReader, JuteWriter } from '../zk/jute.ts';
import { OP, XID_AUTH, XID_NOTIFICATION, XID_PING } from '../zk/ops.ts';

export interface ZkWireClientOptions {
  /** The coordination servers' ZooKeeper listeners, HOST:PORT. */
  readonly servers: readonly string[];
  readonly sessionTimeoutMs: number;
  /** The agents' ACL token, sent as `addauth digest hanode:<token>` (the gateway's rule). */
  readonly token?: string;
  /** Runs a callback as an event of the calling core (see the file comment). */
  readonly schedule: (fn: () => void) => void;
  readonly log?: (line: string) => void;
}

/** Requests waiting for a connection or an answer: ZooKeeper's client queues without a bound; ours has one. */
const MAX_QUEUED = 1000;
/** Pause between connection attempts (ClientCnxn sleeps up to 1 s between servers). */
const RECONNECT_DELAY_MS = 200;
/** A TCP connect that takes longer than this is given up (ours; far above loopback RTTs). */
const CONNECT_TIMEOUT_MS = 2000;

const ERROR_NAMES = new Map<number, ZkError>(Object.entries(ZK_ERROR_CODES).filter(([n]) => n !== 'Ok').map(([n, c]) => [c, n as ZkError]));
const MODE_FLAGS: Record<CreateMode, number> = { persistent: 0, ephemeral: 1, persistent_sequential: 2, ephemeral_sequential: 3, container: 4 };
const EVENT_NAMES = ['', 'NodeCreated', 'NodeDeleted', 'NodeDataChanged', 'NodeChildrenChanged'] as const;

interface Request {
  readonly xid: number;
  readonly frame: Buffer;
  /** Reads the reply body (err 0) or reports the error. */
  readonly answer: (err: ZkError | null, body: JuteReader | undefined) => void;
}

function readStat(r: JuteReader): Stat {
  const czxid = Number(r.long());
  const mzxid = Number(r.long());
  const ctime = Number(r.long()) * 1000;
  const mtime = Number(r.long()) * 1000;
  const version = r.int();
  const cversion = r.int();
  const aversion = r.int();
  const owner = r.long();
  const dataLength = r.int();
  const numChildren = r.int();
  const pzxid = Number(r.long());
  return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: owner === 0n ? '0' : `0x${owner.toString(16)}`, dataLength, numChildren, pzxid } as Stat;
}

/** OPEN_ACL_UNSAFE: the gateway applies the agents' token ACL, not per-node ACLs. */
function openAcl(w: JuteWriter): JuteWriter {
  return w.int(1).int(31).ustring('world').ustring('anyone');
}

export class ZkWireClient implements TreeClient {
  private st: SessionState = 'connecting';
  private session = 0n;
  private password: Buffer = Buffer.alloc(16);
  private negotiatedMs: number;
  private socket: net.Socket | undefined;
  private handshaking = false;
  private serverIdx: number;
  private xid = 1;
  private readonly inFlight: Request[] = [];
  private readonly queued: Request[] = [];
  private readonly watchers = new Map<string, Watcher[]>();
  private readonly listeners: ((s: SessionState) => void)[] = [];
  private pinger: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** closeNow(): the closeSession request whose reply ends the wait. */
  private closeWaiter: { readonly xid: number; readonly finish: () => void } | undefined;
  /** When a server last sent us a frame: the session was alive then (the local expiry rule). */
  private lastHeardMs = Date.now();

  constructor(private readonly opts: ZkWireClientOptions) {
    if (opts.servers.length === 0) throw new Error('zk client: no servers');
    this.negotiatedMs = opts.sessionTimeoutMs;
    this.serverIdx = Math.floor(Math.random() * opts.servers.length);
    this.connect();
  }

  sessionId(): string | undefined {
    return this.session === 0n ? undefined : `0x${this.session.toString(16)}`;
  }

  state(): SessionState {
    return this.st;
  }

  onState(listener: (s: SessionState) => void): void {
    this.listeners.push(listener);
  }

  // ---- connection ----

  private setState(s: SessionState): void {
    if (this.st === s) return;
    this.st = s;
    for (const l of this.listeners) this.opts.schedule(() => l(s));
  }

  private connect(): void {
    if (this.st === 'closed' || this.st === 'expired') return;
    const addr = this.opts.servers[this.serverIdx % this.opts.servers.length]!;
    this.serverIdx++;
    const i = addr.lastIndexOf(':');
    const socket = net.connect(Number(addr.slice(i + 1)), addr.slice(0, i));
    this.socket = socket;
    this.handshaking = true;
    const frames = new FrameSplitter();
    socket.setNoDelay(true);
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.on('connect', () => {
      socket.setTimeout(0);
      socket.write(new JuteWriter().int(0).long(0).int(this.opts.sessionTimeoutMs).long(this.session).buffer(this.password).bool(false).frame());
      if (this.opts.token) socket.write(new JuteWriter().int(XID_AUTH).int(OP.auth).int(0).ustring('digest').buffer(Buffer.from(`hanode:${this.opts.token}`)).frame());
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.socket) return;
      try {
        for (const f of frames.push(chunk)) this.onFrame(new JuteReader(f));
      } catch (e) {
        this.opts.log?.(`zk client: bad frame from ${addr}: ${(e as Error).message}`);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (socket === this.socket) this.onDisconnect();
    });
  }

  private onDisconnect(): void {
    this.socket = undefined;
    clearInterval(this.pinger);
    this.pinger = undefined;
    for (const r of this.inFlight.splice(0)) this.fail(r, 'ConnectionLoss');
    if (this.st === 'closed' || this.st === 'expired') return;
    if (this.session !== 0n && Date.now() - this.lastHeardMs > this.negotiatedMs) return this.expire('cut off longer than the session timeout');
    if (this.session !== 0n) this.setState('disconnected');
    this.reconnectTimer = setTimeout(() => this.connect(), RECONNECT_DELAY_MS);
  }

  private expire(why: string): void {
    this.opts.log?.(`zk client: session ${this.sessionId() ?? '-'} expired (${why})`);
    this.shutdown('expired');
  }

  private shutdown(s: 'expired' | 'closed'): void {
    this.setState(s);
    clearInterval(this.pinger);
    clearTimeout(this.reconnectTimer);
    for (const r of [...this.inFlight.splice(0), ...this.queued.splice(0)]) this.fail(r, s === 'expired' ? 'SessionExpired' : 'ConnectionLoss');
    this.watchers.clear();
    const sock = this.socket;
    this.socket = undefined;
    sock?.destroy();
  }

  private onFrame(r: JuteReader): void {
    this.lastHeardMs = Date.now();
    if (this.handshaking) {
      this.handshaking = false;
      r.int(); // protocolVersion
      const timeoutMs = r.int();
      const id = r.long();
      const passwd = r.buffer() ?? Buffer.alloc(16);
      if (timeoutMs <= 0) return this.expire('the server says so');
      if (this.session !== 0n && id !== this.session) throw new JuteError('the server answered with another session');
      this.session = id;
      this.password = passwd;
      this.negotiatedMs = timeoutMs;
      this.setState('connected');
      this.pinger = setInterval(() => this.ping(), Math.max(100, Math.floor(timeoutMs / 3)));
      for (const q of this.queued.splice(0)) this.transmit(q);
      return;
    }
    const xid = r.int();
    r.long(); // zxid
    const err = r.int();
    if (xid === XID_PING) return;
    if (xid === XID_AUTH) {
      if (err !== 0) this.opts.log?.(`zk client: the token was refused (${err})`);
      return;
    }
    if (xid === XID_NOTIFICATION) {
      const type = r.int();
      r.int(); // state
      const path = r.path();
      return this.onWatchEvent(type, path);
    }
    const req = this.inFlight.shift();
    if (!req || req.xid !== xid) throw new JuteError(`reply xid ${xid} out of order`);
    if (this.closeWaiter?.xid === xid) return this.closeWaiter.finish();
    const name = err === 0 ? null : (ERROR_NAMES.get(err) ?? 'BadArguments');
    this.opts.schedule(() => req.answer(name, name === null ? r : undefined));
  }

  private ping(): void {
    if (!this.socket || this.st !== 'connected') return;
    if (Date.now() - this.lastHeardMs > (this.negotiatedMs * 2) / 3) {
      this.socket.destroy(); // ClientCnxn: readTimeout passed without a word from the server
      return;
    }
    this.socket.write(new JuteWriter().int(XID_PING).int(OP.ping).frame());
  }

  private onWatchEvent(type: number, path: string): void {
    const name = EVENT_NAMES[type];
    if (name === undefined || name === '') return;
    const kinds = name === 'NodeChildrenChanged' ? ['child'] : name === 'NodeDeleted' ? ['data', 'exists', 'child'] : ['data', 'exists'];
    for (const k of kinds) {
      const key = `${k}\u0000${path}`;
      const ws = this.watchers.get(key);
      if (!ws) continue;
      this.watchers.delete(key);
      for (const w of ws) this.opts.schedule(() => w({ type: name, path, zxid: 0 }));
    }
  }

  private addWatcher(kind: 'data' | 'exists' | 'child', path: string, w: Watcher): void {
    const key = `${kind}\u0000${path}`;
    const ws = this.watchers.get(key) ?? [];
    if (!ws.includes(w)) ws.push(w);
    this.watchers.set(key, ws);
  }

  // ---- requests ----

  private fail(r: Request, e: ZkError): void {
    this.opts.schedule(() => r.answer(e, undefined));
  }

  private transmit(r: Request): void {
    this.inFlight.push(r);
    this.socket!.write(r.frame);
  }

  private request(op: number, body: (w: JuteWriter) => void, answer: Request['answer']): void {
    const xid = this.xid++;
    const w = new JuteWriter().int(xid).int(op);
    body(w);
    const r: Request = { xid, frame: w.frame(), answer };
    if (this.st === 'closed' || this.st === 'expired') return this.fail(r, this.st === 'expired' ? 'SessionExpired' : 'ConnectionLoss');
    if (this.inFlight.length + this.queued.length >= MAX_QUEUED) return this.fail(r, 'ConnectionLoss');
    if (this.st === 'connected' && this.socket && !this.handshaking) return this.transmit(r);
    this.queued.push(r);
  }

  /** Reads a reply body; a malformed one counts as a lost connection (the answer is unknown). */
  private read<T>(body: JuteReader | undefined, f: (r: JuteReader) => T): T | undefined {
    if (!body) return undefined;
    try {
      return f(body);
    } catch {
      return undefined;
    }
  }

  create(path: string, data: string, mode: CreateMode, cb: (err: ZkError | null, path?: string, stat?: Stat) => void): void {
    this.request(OP.create2, (w) => openAcl(w.ustring(path).buffer(dataToWire(data))).int(MODE_FLAGS[mode]), (err, body) => {
      if (err) return cb(err);
      const r = this.read(body, (b) => ({ path: b.path(), stat: readStat(b) }));
      if (!r) return cb('ConnectionLoss');
      cb(null, r.path, r.stat);
    });
  }

  delete(path: string, version: number, cb: (err: ZkError | null) => void): void {
    this.request(OP.delete, (w) => w.ustring(path).int(version), (err) => cb(err));
  }

  setData(path: string, data: string, version: number, cb: (err: ZkError | null, stat?: Stat) => void): void {
    this.request(OP.setData, (w) => w.ustring(path).buffer(dataToWire(data)).int(version), (err, body) => {
      if (err) return cb(err);
      const st = this.read(body, readStat);
      return st ? cb(null, st) : cb('ConnectionLoss');
    });
  }

  getData(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, data?: string, stat?: Stat) => void): void {
    this.request(OP.getData, (w) => w.ustring(path).bool(watcher !== undefined), (err, body) => {
      if (err) return cb(err);
      const r = this.read(body, (b) => ({ data: dataToTree(b.buffer()), stat: readStat(b) }));
      if (!r) return cb('ConnectionLoss');
      if (watcher) this.addWatcher('data', path, watcher);
      cb(null, r.data, r.stat);
    });
  }

  exists(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, stat?: Stat | null) => void): void {
    this.request(OP.exists, (w) => w.ustring(path).bool(watcher !== undefined), (err, body) => {
      if (err === 'NoNode') {
        if (watcher) this.addWatcher('exists', path, watcher);
        return cb(null, null);
      }
      if (err) return cb(err);
      const st = this.read(body, readStat);
      if (!st) return cb('ConnectionLoss');
      if (watcher) this.addWatcher('data', path, watcher);
      cb(null, st);
    });
  }

  getChildren(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, children?: readonly string[], stat?: Stat) => void): void {
    this.request(OP.getChildren2, (w) => w.ustring(path).bool(watcher !== undefined), (err, body) => {
      if (err) return cb(err);
      const r = this.read(body, (b) => ({ children: b.strings(), stat: readStat(b) }));
      if (!r) return cb('ConnectionLoss');
      if (watcher) this.addWatcher('child', path, watcher);
      cb(null, r.children, r.stat);
    });
  }

  sync(path: string, cb: (err: ZkError | null) => void): void {
    this.request(OP.sync, (w) => w.ustring(path), (err) => cb(err));
  }

  /** Not needed by the shard cores: refused as a server refuses an op it does not serve. */
  multi(_ops: readonly TreeOp[], cb: (err: ZkError | null, result?: MultiResult) => void): void {
    this.opts.schedule(() => cb('BadArguments'));
  }

  addWatch(_path: string, _watcher: Watcher, cb: (err: ZkError | null) => void): void {
    this.opts.schedule(() => cb('BadArguments'));
  }

  /**
   * Closes the session at process shutdown, when the owning core no longer runs its events:
   * resolves once the server confirmed (the session's ephemerals are gone) or after `waitMs`.
   */
  closeNow(waitMs = 1000): Promise<void> {
    if (this.st !== 'connected' || !this.socket || this.handshaking) {
      this.shutdown('closed');
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, waitMs);
      const xid = this.xid++;
      const self = this;
      function finish(): void {
        clearTimeout(timer);
        self.shutdown('closed');
        resolve();
      }
      // Answered directly, not through `schedule`: the core may be stopped already.
      this.transmit({ xid, frame: new JuteWriter().int(xid).int(OP.closeSession).frame(), answer: () => {} });
      this.closeWaiter = { xid, finish };
    });
  }

  /** Closes the session (its ephemerals go at once), then the connection. */
  close(cb?: (err: ZkError | null) => void): void {
    if (this.st === 'closed' || this.st === 'expired') {
      if (cb) this.opts.schedule(() => cb(null));
      return;
    }
    const done = (): void => {
      this.shutdown('closed');
      if (cb) this.opts.schedule(() => cb(null));
    };
    if (this.st !== 'connected') return done();
    this.request(OP.closeSession, () => {}, () => done());
  }
}
