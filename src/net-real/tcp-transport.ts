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
 * breaks are lost for the same reason. With a cluster key every frame is sealed (seal.ts);
 * a frame that fails authentication closes the connection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { buildFrame, FrameReader } from './frame-reader.ts';
import type { Keyring } from './seal.ts';

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Seals every frame (primary key) and accepts frames sealed with any of its keys. */
  readonly keyring?: Keyring;
  /** Largest frame sent or accepted. Default 4 MiB: gRPC's default max receive message size. */
  readonly maxFrameBytes?: number;
  /** Frames queued per disconnected peer. Default 1024: memberlist's HandoffQueueDepth (config.go). */
  readonly maxQueueFrames?: number;
  /** Bytes queued (or buffered in the socket) per peer. Default 16 MiB, four max-size frames. */
  readonly maxQueueBytes?: number;
  /** First reconnect delay, µs. Default 50 ms: peers share a DC; gRPC's 1 s base is for WAN clients. */
  readonly backoffMinUs?: number;
  /** Reconnect delay cap, µs. Default 2 s, of the order of Raft election timeouts (etcd default 1 s). */
  readonly backoffMaxUs?: number;
  /** Failed connects in a row after which the queue is dropped. Default 10 (≈ 10 s with the defaults). */
  readonly maxConnectAttempts?: number;
  /** Connect timeout, µs. Default 10 s: the timeout usually given to hashicorp/raft's NewTCPTransport (e.g. hraftd). */
  readonly connectTimeoutUs?: number;
}

export interface TcpStats {
  framesSent: number;
  framesReceived: number;
  droppedQueueFull: number;
  droppedOversize: number;
  /** Queued frames discarded after maxConnectAttempts failures. */
  droppedUnreachable: number;
  droppedBadAuth: number;
  /** Inbound connections closed for an over-limit frame. */
  badFrames: number;
  connects: number;
  connectFailures: number;
  disconnects: number;
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
  queue: Buffer[];
  queuedBytes: number;
  failures: number;
  timer: NodeJS.Timeout | null;
}

export class TcpTransport {
  readonly stats: TcpStats = {
    framesSent: 0, framesReceived: 0, droppedQueueFull: 0, droppedOversize: 0, droppedUnreachable: 0,
    droppedBadAuth: 0, badFrames: 0, connects: 0, connectFailures: 0, disconnects: 0,
  };
  private readonly maxFrameBytes: number;
  private readonly maxQueueFrames: number;
  private readonly maxQueueBytes: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxConnectAttempts: number;
  private readonly connectTimeoutMs: number;
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
    this.backoffMaxMs = (opts.backoffMaxUs ?? 2_000_000) / 1000;
    this.maxConnectAttempts = opts.maxConnectAttempts ?? 10;
    this.connectTimeoutMs = (opts.connectTimeoutUs ?? 10_000_000) / 1000;
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
    const body = this.opts.keyring ? this.opts.keyring.seal(payload) : payload;
    if (body.length > this.maxFrameBytes) {
      this.stats.droppedOversize++;
      return;
    }
    const frame = buildFrame(body);
    let conn = this.peers.get(peer);
    if (conn && (conn.host !== host || conn.port !== port)) {
      this.dropPeer(peer); // the peer moved: the old connection goes nowhere useful
      conn = undefined;
    }
    if (!conn) {
      conn = { host, port, state: 'idle', socket: null, queue: [], queuedBytes: 0, failures: 0, timer: null };
      this.peers.set(peer, conn);
    }
    if (conn.state === 'open' && conn.socket !== null) {
      if (conn.socket.writableLength + frame.length > this.maxQueueBytes) {
        this.stats.droppedQueueFull++; // the peer reads slower than we write
        return;
      }
      conn.socket.write(frame);
      this.stats.framesSent++;
      return;
    }
    if (conn.queue.length >= this.maxQueueFrames || conn.queuedBytes + frame.length > this.maxQueueBytes) {
      this.stats.droppedQueueFull++;
      return;
    }
    conn.queue.push(frame);
    conn.queuedBytes += frame.length;
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
    const socket = connect({ host: conn.host, port: conn.port });
    conn.socket = socket;
    socket.setNoDelay(true); // small protocol messages: latency over batching
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy());
    socket.on('error', () => {}); // 'close' follows and does the bookkeeping
    socket.on('data', () => {}); // nothing is expected back on an outgoing connection
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (conn.socket !== socket) return;
      conn.state = 'open';
      conn.failures = 0;
      this.stats.connects++;
      socket.cork();
      for (const frame of conn.queue) socket.write(frame);
      socket.uncork();
      this.stats.framesSent += conn.queue.length;
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

  private backoffMs(failures: number): number {
    const exp = Math.min(failures, 30); // bounded exponent; the cap below applies long before
    const base = Math.min(this.backoffMaxMs, this.backoffMinMs * BACKOFF_MULTIPLIER ** exp);
    return base * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * Math.random());
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(this.maxFrameBytes);
    socket.on('error', () => {});
    socket.once('close', () => this.inbound.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch {
        this.stats.badFrames++;
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        const payload = this.opts.keyring ? this.opts.keyring.unseal(frame) : frame;
        if (payload === null) {
          this.stats.droppedBadAuth++;
          socket.destroy(); // not a member of this cluster: nothing more from it is trusted
          return;
        }
        this.stats.framesReceived++;
        this.handler(payload);
      }
    });
  }
}
