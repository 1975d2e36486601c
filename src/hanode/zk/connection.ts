/**
 * One ZooKeeper client connection: a TCP socket speaking length-prefixed jute frames, bridged
 * to the tree core's client protocol (core/coord/tree/protocol.ts) on this server.
 *
 * - Handshake: the first frame is a ConnectRequest (protocolVersion, lastZxidSeen, timeOut,
 *   sessionId, passwd, and from 3.4 clients an optional readOnly flag). A new session is
 *   created through Raft; a reconnect presents the session id and the password this gateway
 *   derived for it. The answer is a ConnectResponse with the negotiated timeout, or timeOut 0
 *   for an expired session (the client then reports SESSION_EXPIRED).
 * - Requests go to the core in order; replies leave in request order (ClientCnxn matches
 *   them by xid in order and drops the connection otherwise), pings are answered with xid -2,
 *   watch events with xid -1.
 * - A malformed frame, an oversized length, or a core refusal (server behind the client, no
 *   quorum) closes the connection; the client reconnects to another server.
 */
import type { Socket } from 'node:net';
import type { ClientToServer, ServerToClient } from '../../core/coord/tree/index.ts';
import { clampSessionTimeout } from '../../core/coord/tree/index.ts';
import { timingSafeEqual } from 'node:crypto';
import { EVENT_TYPE, sessionFromWire, sessionToWire, STATE_SYNC_CONNECTED, WIRE_ERRORS } from './convert.ts';
import { FrameSplitter, JuteError, JuteReader, JuteWriter, MAX_FRAME_BYTES } from './jute.ts';
import { allowed, same, type Access, type AclConfig } from '../http/acl.ts';
import { decodeRequest, encodeReadResult, encodeReply, OP, XID_AUTH, XID_NOTIFICATION, XID_PING, type ReplyContext } from './ops.ts';

/** ZooKeeper's globalOutstandingLimit default (1000): past it the server stops reading the socket. */
const MAX_OUTSTANDING = 1000;
/** Requests that change the tree: they need the ACL token when one is configured. */
const WRITES = new Set(['create', 'delete', 'setData', 'multi']);
/**
 * Bytes of requests a client may pipeline behind its ConnectRequest before the session is open:
 * one largest frame (jute.maxbuffer, 1 MiB + 1 KiB). Counting frames (1,000 of up to 1 MiB)
 * let one unauthenticated socket hold a gigabyte.
 */
const MAX_EARLY_BYTES = MAX_FRAME_BYTES;
/** A socket must complete its ConnectRequest and get its session within this (ours; as the cluster TCP handshake bound, src/net-real/tcp-transport.ts). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ConnectionHost {
  /** Hands a message to the tree core; false when no tree server runs (the connection closes). */
  toCore(msg: ClientToServer): boolean;
  /** The 16-byte password of a session (ZooKeeper derives it from the id and a server secret). */
  password(session: bigint): Buffer;
  /** Counts a malformed frame. */
  badFrame(reason: string): void;
  /**
   * The agent's HTTP ACL (src/hanode/http/acl.ts), applied to every request as to a request for
   * path `/zk`: the client's token is the one given by `addauth digest hanode:<token>`. Without
   * it (tests of the wire alone) everything is allowed.
   */
  readonly acl?: AclConfig;
  /** The answer to a four-letter word (ruok, srvr), or undefined for one not served. */
  fourLetterWord(cmd: string): string | undefined;
  closed(conn: ZkConnection): void;
}

interface Pending {
  readonly coreXid: number;
  readonly clientXid: number;
  readonly ctx: ReplyContext;
  frame?: Buffer;
  /** multiRead: the core xid of each read (0: answered locally), and the results so far. */
  readonly reads?: { readonly coreXid: number; readonly op: number; result?: Buffer }[];
}

export class ZkConnection {
  private state: 'handshake' | 'opening' | 'open' | 'closed' = 'handshake';
  private readonly frames = new FrameSplitter();
  private session: string | undefined;
  private sendSeq = 0;
  private nextCoreXid = 1;
  private readonly pending: Pending[] = [];
  private readonly early: Buffer[] = [];
  private earlyBytes = 0;
  private clientWantsReadOnly = false;
  /** The token from `addauth digest hanode:<token>`, if any. */
  private token: string | undefined;
  /** Highest zxid this connection told the client (stamped on local answers). */
  private zxid = 0;

  constructor(
    private readonly socket: Socket,
    readonly cid: string,
    readonly conn: number,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true);
    // Until the session is open (then the session timeout takes over, in the connected handler).
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.close());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Closes the connection; `graceful` lets what was written reach the client first. */
  close(graceful = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (graceful) {
      this.socket.end();
      // A client that never closes its side is cut after a grace period.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else this.socket.destroy();
    this.host.closed(this);
  }

  // ---- from the client ----

  private onData(chunk: Buffer): void {
    if (this.state === 'handshake' && this.frames.buffered() === 0 && chunk.length >= 4) {
      // ZooKeeper's four-letter words come instead of a ConnectRequest: the first 4 bytes are
      // the command (as a length they would exceed any frame), answered in text, then closed.
      const answer = this.host.fourLetterWord(chunk.toString('latin1', 0, 4));
      if (answer !== undefined) {
        this.write(Buffer.from(answer, 'utf8'));
        this.close(true);
        return;
      }
    }
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (e) {
      return this.bad(e);
    }
    for (const f of frames) {
      if (this.state === 'closed') return;
      if (!this.guarded(() => this.onFrame(f))) return;
    }
  }

  /**
   * Runs fn; a JuteError (a malformed frame) or anything else thrown while handling the
   * client's bytes closes this connection and is counted, never reaching the socket's event
   * handler (where it would end the process). False when it closed.
   */
  private guarded(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      this.bad(e instanceof JuteError ? e : new Error(`internal error: ${(e as Error)?.stack ?? String(e)}`));
      return false;
    }
  }

  private bad(e: unknown): void {
    this.host.badFrame(e instanceof Error ? e.message : String(e));
    this.close();
  }

  private onFrame(frame: Buffer): void {
    if (this.state === 'handshake') return this.onConnectRequest(new JuteReader(frame));
    if (this.state === 'opening') {
      this.earlyBytes += frame.length;
      if (this.earlyBytes > MAX_EARLY_BYTES) throw new JuteError('too many request bytes before the session opened');
      this.early.push(frame);
      return;
    }
    const r = new JuteReader(frame);
    const xid = r.int();
    const type = r.int();
    const d = decodeRequest(type, r);
    switch (d.kind) {
      case 'ping':
        this.toCore({ type: 'zk.ping', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session! });
        return;
      case 'auth': {
        const acl = this.host.acl;
        const prefix = 'hanode:';
        const text = d.auth.toString('utf8');
        const token = d.scheme === 'digest' && text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
        const known = (t: string) => (acl?.managementToken !== undefined && same(t, acl.managementToken)) || (acl?.readToken !== undefined && same(t, acl.readToken));
        if (acl === undefined || (acl.managementToken === undefined && acl.readToken === undefined) || (token !== undefined && known(token))) {
          // No token configured: every scheme is accepted (ACLs on znodes are not modelled, see ops.ts).
          if (token !== undefined) this.token = token;
          this.write(new JuteWriter().int(XID_AUTH).long(this.zxid).int(0).frame());
          return;
        }
        // ZooKeeper answers a failed auth with AuthFailed and closes the connection.
        this.write(new JuteWriter().int(XID_AUTH).long(this.zxid).int(WIRE_ERRORS.AuthFailed).frame());
        this.close(true);
        return;
      }
      case 'error':
        this.pending.push({ coreXid: 0, clientXid: xid, ctx: { op: type }, frame: new JuteWriter().int(xid).long(this.zxid).int(d.err).frame() });
        this.flush();
        return;
      case 'close': {
        const coreXid = this.nextCoreXid++;
        this.pending.push({ coreXid, clientXid: xid, ctx: { op: type } });
        this.toCore({ type: 'zk.close', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session!, xid: coreXid });
        return;
      }
      case 'multiRead': {
        if (!this.permits('read')) {
          this.pending.push({ coreXid: 0, clientXid: xid, ctx: { op: type }, frame: new JuteWriter().int(xid).long(this.zxid).int(WIRE_ERRORS.NoAuth).frame() });
          this.flush();
          return;
        }
        const reads = d.reads.map((x) => {
          if ('err' in x) return { coreXid: 0, op: x.op, result: new JuteWriter().int(-1).bool(false).int(x.err).int(x.err).frame().subarray(4) };
          return { coreXid: this.nextCoreXid++, op: x.op };
        });
        const p: Pending = { coreXid: -1, clientXid: xid, ctx: { op: type }, reads };
        this.pending.push(p);
        d.reads.forEach((x, i) => {
          if ('req' in x) this.toCore({ type: 'zk.req', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session!, xid: reads[i]!.coreXid, req: x.req });
        });
        this.completeMultiRead(p);
        if (this.pending.length >= MAX_OUTSTANDING) this.socket.pause();
        return;
      }
      case 'core': {
        if (!this.permits(WRITES.has(d.req.op) ? 'write' : 'read')) {
          this.pending.push({ coreXid: 0, clientXid: xid, ctx: d.ctx, frame: new JuteWriter().int(xid).long(this.zxid).int(WIRE_ERRORS.NoAuth).frame() });
          this.flush();
          return;
        }
        const coreXid = this.nextCoreXid++;
        this.pending.push({ coreXid, clientXid: xid, ctx: d.ctx });
        this.toCore({ type: 'zk.req', cid: this.cid, conn: this.conn, seq: this.sendSeq++, session: this.session!, xid: coreXid, req: d.req });
        if (this.pending.length >= MAX_OUTSTANDING) this.socket.pause();
        return;
      }
    }
  }

  /** The agent's ACL decides, as for an HTTP request on path /zk with this connection's token. */
  private permits(need: Access): boolean {
    return this.host.acl === undefined || allowed(this.host.acl, '/zk', this.token, need);
  }

  private onConnectRequest(r: JuteReader): void {
    r.int(); // protocolVersion
    const lastZxid = r.long();
    const timeOutMs = r.int();
    const sessionId = r.long();
    const passwd = r.buffer();
    if (r.remaining() > 0) this.clientWantsReadOnly = r.bool();
    if (lastZxid < 0n || lastZxid > BigInt(Number.MAX_SAFE_INTEGER)) throw new JuteError('lastZxidSeen out of range');
    const session = sessionFromWire(sessionId);
    if (session !== undefined && !(passwd !== null && passwd.length === 16 && timingSafeEqual(passwd, this.host.password(sessionId)))) {
      // ZooKeeper answers a wrong password as an expired session.
      return this.expired();
    }
    this.state = 'opening';
    this.toCore({
      type: 'zk.connect',
      cid: this.cid,
      conn: this.conn,
      timeoutUs: clampSessionTimeout(Math.max(0, timeOutMs) * 1000),
      ...(session !== undefined ? { session } : {}),
      lastZxid: Number(lastZxid),
      watches: [],
    });
  }

  private expired(): void {
    const w = new JuteWriter().int(0).int(0).long(0).buffer(Buffer.alloc(16));
    if (this.clientWantsReadOnly) w.bool(false);
    this.write(w.frame());
    this.close(true);
  }

  private toCore(msg: ClientToServer): void {
    if (!this.host.toCore(msg)) this.close();
  }

  // ---- from the core ----

  fromCore(msg: ServerToClient): void {
    if (this.state === 'closed' || msg.conn !== this.conn) return;
    switch (msg.type) {
      case 'zk.connected': {
        if (this.state !== 'opening') return;
        this.session = msg.session;
        this.zxid = Math.max(this.zxid, msg.zxid);
        const id = sessionToWire(msg.session);
        const timeoutMs = Math.floor(msg.timeoutUs / 1000);
        const w = new JuteWriter().int(0).int(timeoutMs).long(id).buffer(this.host.password(id));
        if (this.clientWantsReadOnly) w.bool(false);
        this.write(w.frame());
        // ZooKeeper closes a connection that sent nothing for the session timeout.
        this.socket.setTimeout(timeoutMs, () => this.close());
        this.state = 'open';
        for (const f of this.early.splice(0)) {
          if (this.state !== 'open' || !this.guarded(() => this.onFrame(f))) return;
        }
        return;
      }
      case 'zk.expired':
        if (this.state === 'opening') this.expired();
        else this.close();
        return;
      case 'zk.refused':
        this.close();
        return;
      case 'zk.pong':
        this.zxid = Math.max(this.zxid, msg.zxid);
        this.write(new JuteWriter().int(XID_PING).long(this.zxid).int(0).frame());
        return;
      case 'zk.watch': {
        const ev = msg.event;
        this.write(new JuteWriter().int(XID_NOTIFICATION).long(ev.zxid).int(0).int(EVENT_TYPE[ev.type]).int(STATE_SYNC_CONNECTED).ustring(ev.path).frame());
        return;
      }
      case 'zk.res': {
        const m = this.pending.find((x) => x.frame === undefined && x.reads?.some((r) => r.coreXid === msg.xid));
        if (m) {
          this.zxid = Math.max(this.zxid, msg.zxid);
          const part = m.reads!.find((r) => r.coreXid === msg.xid)!;
          const w = new JuteWriter();
          encodeReadResult(w, part.op, msg.reply);
          part.result = w.frame().subarray(4);
          this.completeMultiRead(m);
          return;
        }
        const p = this.pending.find((x) => x.coreXid === msg.xid && x.frame === undefined);
        if (!p) return;
        this.zxid = Math.max(this.zxid, msg.zxid);
        const { err, body } = encodeReply(msg.reply, p.ctx);
        const w = new JuteWriter().int(p.clientXid).long(msg.zxid).int(err);
        if (err === 0) body?.(w);
        p.frame = w.frame();
        this.flush();
        if (p.ctx.op === OP.closeSession) this.close(true);
        return;
      }
    }
  }

  /** A multiRead whose reads all came back becomes one reply. */
  private completeMultiRead(p: Pending): void {
    if (p.frame !== undefined || !p.reads!.every((r) => r.result !== undefined)) return;
    const w = new JuteWriter().int(p.clientXid).long(this.zxid).int(0);
    for (const r of p.reads!) w.raw(r.result!);
    p.frame = w.int(-1).bool(true).int(-1).frame();
    this.flush();
  }

  /** Writes the answered head of the pending list, in request order. */
  private flush(): void {
    while (this.pending.length > 0 && this.pending[0]!.frame !== undefined) this.write(this.pending.shift()!.frame!);
    if (this.pending.length < MAX_OUTSTANDING && this.socket.isPaused()) this.socket.resume();
  }

  private write(frame: Buffer): void {
    if (this.state !== 'closed' && this.socket.writable) this.socket.write(frame);
  }
}
