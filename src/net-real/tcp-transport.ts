/**
 * The stream channel: TCP with length-prefixed frames, for `send(to, msg, {reliable: true})`.
 *
 * One outgoing connection per peer (inbound traffic arrives on the peer's own outgoing
 * connection to our listener), as hashicorp/raft's NetworkTransport keeps a connection per
 * target. Messages to a peer that is not connected wait in a bounded queue while we
 * reconnect with capped exponential backoff and jitter (the scheme of gRPC's
 * connection-backoff.md); after a bounded number of failed attempts the queue is dropped,
 * because the Env contract lets reliable sends be lost to partitions and crashes, and stale
 * protocol messages are worth less than memory. Frames in flight on a connection that
 * breaks are lost for the same reason. With a cluster key every frame is sealed with a
 * freshness header (auth-channel.ts) and every outgoing connection opens with a small sealed
 * handshake frame. An inbound connection holds at most `preAuthMaxBytes` until its first frame
 * authenticates, must do so within the handshake timeout, and is closed when idle; a frame
 * that fails authentication (or is a replay) closes the connection. Inbound connections are
 * capped in total and per remote address. The receiver writes back how many frames it has read,
 * and a sender whose frames stay unacknowledged for the stall timeout redials (stream-progress.ts:
 * a link that drops packets never fails an established connection by itself).
 */
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { AUTH_OVERHEAD, AuthChannel, countAuthDrop, type AuthSession } from './auth-channel.ts';
import { buildFrame, FRAME_HEADER_BYTES, FrameReader } from './frame-reader.ts';
import { AckTracker, FrameCounter } from './stream-progress.ts';
import type { Keyring } from './seal.ts';

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Seals every frame (primary key) and accepts frames sealed with any of its keys. */
  readonly keyring?: Keyring;
  /** The host's authenticated channel (shares the replay state with UDP); made from `keyring` when absent. */
  readonly auth?: AuthChannel;
  /**
   * Bytes an inbound connection may buffer before its first frame authenticated. Default
   * 4 KiB: a handshake frame is under 100 bytes; memberlist likewise reads only a small
   * header from a stream before it checks the label and key (net_transport.go).
   */
  readonly preAuthMaxBytes?: number;
  /** Time an inbound connection has to authenticate, µs. Default 10 s: memberlist's TCPTimeout (config.go). */
  readonly handshakeTimeoutUs?: number;
  /**
   * An inbound connection with no traffic for this long is closed, µs. Default 90 s: Go's
   * http.DefaultTransport IdleConnTimeout. A Raft leader heartbeats every 200 ms, so only
   * connections of silent peers (or of an attacker) reach it; a peer reconnects on its next send.
   */
  readonly idleTimeoutUs?: number;
  /** Inbound connections at once. Default 1024 (ours: far above a cluster's peers). */
  readonly maxInbound?: number;
  /** Inbound connections at once from one remote address. Default 100: Consul's limits.rpc_max_conns_per_client. */
  readonly maxInboundPerAddress?: number;
  /** Largest frame sent or accepted. Default 4 MiB: gRPC's default max receive message size. */
  readonly maxFrameBytes?: number;
  /** Frames queued per disconnected peer. Default 1024: memberlist's HandoffQueueDepth (config.go). */
  readonly maxQueueFrames?: number;
  /** Bytes queued (or buffered in the socket) per peer. Default 16 MiB, four max-size frames. */
  readonly maxQueueBytes?: number;
  /** First reconnect delay, µs. Default 50 ms: peers share a DC; gRPC's 1 s base is for WAN clients. */
  readonly backoffMinUs?: number;
  /**
   * Reconnect delay cap, µs. Default 500 ms: a link that comes back is found within about a
   * connect timeout plus this (etcd's stream reader redials every 100 ms, rafthttp/stream.go),
   * and a dead peer costs two refused connects a second.
   */
  readonly backoffMaxUs?: number;
  /** Failed connects in a row after which the queue is dropped. Default 10 (≈ 5-10 s with the defaults). */
  readonly maxConnectAttempts?: number;
  /**
   * Connect timeout, µs. Default 1 s: one SYN an attempt. The kernel retries a lost SYN after
   * 1, 3, 7 s (RFC 6298's 1 s initial timeout, doubling), so a longer attempt started during a
   * cut would wait out that schedule after the link heals; a new attempt after the backoff
   * sends a fresh SYN instead. etcd's peer dial timeout is 1 s plus the election timeout
   * (etcdserver ServerConfig.peerDialTimeout); loopback and DC round trips are far below 1 s.
   */
  readonly connectTimeoutUs?: number;
  /**
   * A connection whose written frames stay unacknowledged by the peer for this long is closed
   * and redialed, µs. Default 2 s: ten of the agent's 200 ms heartbeats, the upper end of its
   * 1-2 s election timeout; etcd's rafthttp closes a peer stream after 5 s without a read
   * (ConnReadTimeout). Only armed for peers that acknowledge (stream-progress.ts).
   */
  readonly stallTimeoutUs?: number;
}

export interface TcpStats {
  framesSent: number;
  /** Batches of frames written to a connected peer at once (one writev each; framesSent / this = frames a write). */
  writeBatches: number;
  framesReceived: number;
  droppedQueueFull: number;
  droppedOversize: number;
  /** Queued frames discarded after maxConnectAttempts failures. */
  droppedUnreachable: number;
  droppedBadAuth: number;
  /** Authenticated frames that were replays (the connection is closed). */
  droppedReplay: number;
  /** Authenticated frames sent more than 60 s from our clock (the connection is closed). */
  droppedStale: number;
  /** Inbound connections closed for an over-limit frame. */
  badFrames: number;
  /** Inbound connections refused by the total or per-address cap. */
  refusedConnections: number;
  /** Inbound connections closed for not authenticating in time. */
  handshakeTimeouts: number;
  /** Inbound connections closed after the idle timeout. */
  idleTimeouts: number;
  connects: number;
  connectFailures: number;
  disconnects: number;
  /** Frames (handshakes included) the peers counted as read on our outgoing connections. */
  framesAcked: number;
  /** Open connections closed and redialed because the peer stopped acknowledging frames. */
  stalls: number;
  /** Outgoing connections closed for an acknowledgement count beyond the frames written. */
  badAcks: number;
}

/** gRPC connection backoff: multiplier 1.6 and ±20% jitter (connection-backoff.md). */
const BACKOFF_MULTIPLIER = 1.6;
const BACKOFF_JITTER = 0.2;

type ConnState = 'idle' | 'connecting' | 'open' | 'waiting';

interface PeerConn {
  readonly host: string;
  readonly port: number;
  state: ConnState;
  socket: Socket | null;
  /** Payloads not yet written (sealed when written, so counters follow the wire order). */
  queue: Buffer[];
  queuedBytes: number;
  /** Sending session of the open connection (with a key): counters from 0, handshake first. */
  session: AuthSession | null;
  failures: number;
  timer: NodeJS.Timeout | null;
  /** The socket is corked until the end of this tick (writeCorked): frames of one turn leave in one writev. */
  corked: boolean;
  /** Frames written and acknowledged on the open connection. */
  readonly acks: AckTracker;
}

export class TcpTransport {
  readonly stats: TcpStats = {
    framesSent: 0, writeBatches: 0, framesReceived: 0, droppedQueueFull: 0, droppedOversize: 0, droppedUnreachable: 0,
    droppedBadAuth: 0, droppedReplay: 0, droppedStale: 0, badFrames: 0, refusedConnections: 0, handshakeTimeouts: 0, idleTimeouts: 0,
    connects: 0, connectFailures: 0, disconnects: 0, framesAcked: 0, stalls: 0, badAcks: 0,
  };
  private readonly auth: AuthChannel | undefined;
  private readonly preAuthMaxBytes: number;
  private readonly handshakeTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxInbound: number;
  private readonly maxInboundPerAddress: number;
  private readonly inboundPerAddress = new Map<string, number>();
  private readonly maxFrameBytes: number;
  private readonly maxQueueFrames: number;
  private readonly maxQueueBytes: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxConnectAttempts: number;
  private readonly connectTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private server: Server | null = null;
  private readonly inbound = new Set<Socket>();
  private readonly peers = new Map<string, PeerConn>();
  private handler: (payload: Buffer) => void = () => {};
  private closed = false;

  constructor(private readonly opts: TcpTransportOptions) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 4 * 1024 * 1024;
    this.maxQueueFrames = opts.maxQueueFrames ?? 1024;
    this.maxQueueBytes = opts.maxQueueBytes ?? 16 * 1024 * 1024;
    this.backoffMinMs = (opts.backoffMinUs ?? 50_000) / 1000;
    this.backoffMaxMs = (opts.backoffMaxUs ?? 500_000) / 1000;
    this.maxConnectAttempts = opts.maxConnectAttempts ?? 10;
    this.connectTimeoutMs = (opts.connectTimeoutUs ?? 1_000_000) / 1000;
    this.stallTimeoutMs = (opts.stallTimeoutUs ?? 2_000_000) / 1000;
    this.auth = opts.auth ?? (opts.keyring ? new AuthChannel(opts.keyring) : undefined);
    this.preAuthMaxBytes = opts.preAuthMaxBytes ?? 4096;
    this.handshakeTimeoutMs = (opts.handshakeTimeoutUs ?? 10_000_000) / 1000;
    this.idleTimeoutMs = (opts.idleTimeoutUs ?? 90_000_000) / 1000;
    this.maxInbound = opts.maxInbound ?? 1024;
    this.maxInboundPerAddress = opts.maxInboundPerAddress ?? 100;
  }

  /** Inbound connections open now. */
  inboundConnections(): number {
    return this.inbound.size;
  }

  onFrame(fn: (payload: Buffer) => void): void {
    this.handler = fn;
  }

  /** Listens; resolves with the bound port. */
  start(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : this.opts.port);
      });
    });
  }

  /** Queues or writes one payload to `peer` at host:port. Never throws for network reasons. */
  send(peer: string, host: string, port: number, payload: Uint8Array): void {
    if (this.closed) return;
    if (payload.length + (this.auth ? AUTH_OVERHEAD : 0) > this.maxFrameBytes) {
      this.stats.droppedOversize++;
      return;
    }
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    let conn = this.peers.get(peer);
    if (conn && (conn.host !== host || conn.port !== port)) {
      this.dropPeer(peer); // the peer moved: the old connection goes nowhere useful
      conn = undefined;
    }
    if (!conn) {
      conn = { host, port, state: 'idle', socket: null, session: null, queue: [], queuedBytes: 0, failures: 0, timer: null, corked: false, acks: new AckTracker() };
      this.peers.set(peer, conn);
    }
    if (conn.state === 'open' && conn.socket !== null && conn.acks.stalled(this.stallTimeoutMs)) {
      this.stats.stalls++;
      this.detach(conn); // this frame goes to the queue of a fresh connection, below
    }
    if (conn.state === 'open' && conn.socket !== null) {
      if (conn.socket.writableLength + body.length > this.maxQueueBytes) {
        this.stats.droppedQueueFull++; // the peer reads slower than we write
        return;
      }
      this.writeCorked(conn, conn.socket, body);
      this.stats.framesSent++;
      conn.acks.wrote(1);
      return;
    }
    if (conn.queue.length >= this.maxQueueFrames || conn.queuedBytes + body.length > this.maxQueueBytes) {
      this.stats.droppedQueueFull++;
      return;
    }
    conn.queue.push(Buffer.from(body)); // a copy: the caller may reuse its buffer
    conn.queuedBytes += body.length;
    if (conn.state === 'idle') this.connect(peer, conn);
  }

  /** Closes the connection to a peer and discards its queue (peer removed or moved). */
  dropPeer(peer: string): void {
    const conn = this.peers.get(peer);
    if (!conn) return;
    this.peers.delete(peer);
    if (conn.timer) clearTimeout(conn.timer);
    conn.socket?.destroy();
    conn.socket = null;
    conn.queue = [];
    conn.queuedBytes = 0;
  }

  /** Forgets the current socket of `conn` (its 'close' no longer touches the bookkeeping) and closes it. */
  private detach(conn: PeerConn): void {
    const socket = conn.socket;
    conn.socket = null;
    conn.session = null;
    conn.state = 'idle';
    socket?.destroy();
  }

  /** Number of open outgoing connections (for tests and status). */
  openConnections(): number {
    let n = 0;
    for (const c of this.peers.values()) if (c.state === 'open') n++;
    return n;
  }

  /**
   * Clean close: stop accepting, half-close every open outgoing connection so what was
   * written is flushed to the peer (FIN after the data), wait for those to finish for at
   * most `graceUs`, then destroy whatever remains. Queued frames of unconnected peers are
   * dropped (they were never promised).
   */
  async close(graceUs: number = 1_000_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const flushing: Promise<void>[] = [];
    for (const [peer, conn] of [...this.peers]) {
      const socket = conn.socket;
      if (conn.state === 'open' && socket !== null && !socket.destroyed) {
        conn.socket = null; // detach: its 'close' no longer touches the bookkeeping
        if (conn.timer) clearTimeout(conn.timer);
        this.peers.delete(peer);
        flushing.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
        socket.end();
      } else {
        this.dropPeer(peer);
      }
    }
    const server = this.server;
    this.server = null;
    const serverClosed = server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.ceil(graceUs / 1000))));
    await Promise.race([Promise.all(flushing), grace]);
    clearTimeout(timer);
    // Inbound connections close when their peers close them; past the grace they are cut.
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    await serverClosed;
  }

  private connect(peer: string, conn: PeerConn): void {
    if (this.closed || this.peers.get(peer) !== conn) return;
    conn.timer = null;
    conn.state = 'connecting';
    // Dial from the bound address (not the kernel's pick, 127.0.0.1 on loopback), so a peer
    // and a firewall see this node's own address (hasim run --real cuts links by address).
    const local = isSpecificAddress(this.opts.host) ? { localAddress: this.opts.host } : {};
    const socket = connect({ host: conn.host, port: conn.port, ...local });
    conn.socket = socket;
    socket.setNoDelay(true); // small protocol messages: latency over batching
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy());
    socket.on('error', () => {}); // 'close' follows and does the bookkeeping
    socket.on('data', (chunk: Buffer) => {
      // Only the peer's count of frames read comes back on an outgoing connection.
      if (conn.socket !== socket) return;
      const acked = conn.acks.read(chunk);
      if (acked >= 0) {
        this.stats.framesAcked += acked;
        return;
      }
      this.stats.badAcks++;
      this.detach(conn);
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (conn.socket !== socket) return;
      conn.state = 'open';
      conn.failures = 0;
      conn.acks.reset();
      this.stats.connects++;
      socket.cork();
      if (this.auth) {
        conn.session = this.auth.session(); // a fresh session per connection: counters start at 0
        socket.write(this.frameFor(conn, Buffer.alloc(0))); // the handshake: proves the key first
        conn.acks.wrote(1);
      }
      for (const payload of conn.queue) socket.write(this.frameFor(conn, payload));
      socket.uncork();
      this.stats.framesSent += conn.queue.length;
      conn.acks.wrote(conn.queue.length);
      conn.queue = [];
      conn.queuedBytes = 0;
    });
    socket.once('close', () => {
      if (conn.socket !== socket) return;
      conn.socket = null;
      if (conn.state === 'open') {
        this.stats.disconnects++;
      } else {
        this.stats.connectFailures++;
        conn.failures++;
      }
      if (this.closed || this.peers.get(peer) !== conn) return;
      if (conn.failures >= this.maxConnectAttempts) {
        this.stats.droppedUnreachable += conn.queue.length;
        conn.queue = [];
        conn.queuedBytes = 0;
        conn.failures = 0;
      }
      if (conn.queue.length === 0) {
        conn.state = 'idle'; // reconnect on the next send
        return;
      }
      conn.state = 'waiting';
      conn.timer = setTimeout(() => this.connect(peer, conn), this.backoffMs(conn.failures));
    });
  }

  /**
   * Writes one frame with the socket corked until the end of the current tick: every frame sent to
   * this peer in the same turn of the event loop (a leader's appends and heartbeats of one flush)
   * leaves in one writev, one system call and one TCP segment instead of one each. Without a key
   * the length header and the payload are written as two buffers (no copy of the payload; the
   * writev joins them); the payload is not reused by the caller (a fresh msgpack encoding).
   */
  private writeCorked(conn: PeerConn, socket: Socket, payload: Buffer): void {
    if (!conn.corked) {
      conn.corked = true;
      this.stats.writeBatches++;
      socket.cork();
      process.nextTick(() => {
        conn.corked = false;
        socket.uncork();
      });
    }
    if (this.auth) {
      socket.write(this.frameFor(conn, payload));
      return;
    }
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    socket.write(header);
    socket.write(payload);
  }

  private frameFor(conn: PeerConn, payload: Buffer): Buffer {
    return buildFrame(this.auth ? this.auth.seal(conn.session!, payload) : payload);
  }

  private backoffMs(failures: number): number {
    const exp = Math.min(failures, 30); // bounded exponent; the cap below applies long before
    const base = Math.min(this.backoffMaxMs, this.backoffMinMs * BACKOFF_MULTIPLIER ** exp);
    return base * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * Math.random());
  }

  private accept(socket: Socket): void {
    const addr = socket.remoteAddress ?? '?';
    const fromAddr = this.inboundPerAddress.get(addr) ?? 0;
    if (this.closed || this.inbound.size >= this.maxInbound || fromAddr >= this.maxInboundPerAddress) {
      if (!this.closed) this.stats.refusedConnections++;
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    this.inboundPerAddress.set(addr, fromAddr + 1);
    socket.setNoDelay(true);
    const state: InboundState = { authenticated: this.auth === undefined, handshake: undefined };
    const reader = new FrameReader(state.authenticated ? this.maxFrameBytes : Math.min(this.preAuthMaxBytes, this.maxFrameBytes));
    const counter = new FrameCounter((ack) => {
      if (!socket.destroyed) socket.write(ack);
    });
    if (!state.authenticated) {
      state.handshake = setTimeout(() => {
        this.stats.handshakeTimeouts++;
        socket.destroy();
      }, this.handshakeTimeoutMs);
    }
    socket.setTimeout(this.idleTimeoutMs, () => {
      this.stats.idleTimeouts++;
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(state.handshake);
      counter.close();
      this.inbound.delete(socket);
      const n = (this.inboundPerAddress.get(addr) ?? 1) - 1;
      if (n <= 0) this.inboundPerAddress.delete(addr);
      else this.inboundPerAddress.set(addr, n);
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      reader.feed(chunk);
      counter.frames(this.readFrames(socket, reader, state));
    });
  }

  /**
   * Hands every whole frame buffered in `reader` to the handler and returns how many frames were
   * read, the handshake included (the peer's acknowledgement count). Closes the socket on a bad
   * frame or a failed authentication.
   */
  private readFrames(socket: Socket, reader: FrameReader, state: InboundState): number {
    let read = 0;
    // Each frame consumes at least its header, so this loop is bounded by the bytes fed.
    for (;;) {
      let frame: Buffer | null;
      try {
        frame = reader.next();
      } catch {
        this.stats.badFrames++;
        socket.destroy();
        return read;
      }
      if (frame === null || socket.destroyed) return read;
      let payload = frame;
      if (this.auth) {
        const r = this.auth.open(frame);
        if (!r.ok) {
          countAuthDrop(this.stats, r.reason);
          socket.destroy(); // not a fresh frame of a key holder: nothing more from it is trusted
          return read;
        }
        payload = r.payload;
        if (!state.authenticated) {
          state.authenticated = true;
          clearTimeout(state.handshake);
          reader.setLimit(this.maxFrameBytes);
        }
        read++;
        if (payload.length === 0) continue; // the handshake
      } else {
        read++;
      }
      this.stats.framesReceived++;
      this.handler(payload);
    }
  }
}

/** An inbound connection's authentication: whether its first frame proved the key, and the deadline for it. */
interface InboundState {
  authenticated: boolean;
  handshake: NodeJS.Timeout | undefined;
}

/** A concrete local address to dial from: not a wildcard, not a host name. */
function isSpecificAddress(host: string): boolean {
  return isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::';
}
