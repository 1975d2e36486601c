/**
 * hanode's ZooKeeper listener (`--zk ADDR`): accepts ZooKeeper clients over TCP and bridges
 * each connection to this server's tree core (TreeServer) through one in-process endpoint,
 * multiplexed on the connection's `cid`. Reads are served from the local replica, writes go
 * through Raft (forwarded to the leader by the core's proposer), sessions expire by the
 * leader's rules — all of it is the core's; this file only owns sockets and counters.
 *
 * Session passwords: ZooKeeper derives a session's password from its id and a server-wide
 * secret (SessionTrackerImpl / ZooKeeperServer.generatePasswd), so any server of the ensemble
 * can check it on a reconnect. Ours is HMAC-SHA256(secret, id) truncated to 16 bytes, with the
 * cluster's gossip key and ACL token as the secret when set (a constant otherwise, which, as
 * ZooKeeper's fixed superSecret, only guards against a client resuming a session by mistake).
 */
import { validateWire } from '../../core/wire-validators.ts';
import type { AclConfig } from '../http/acl.ts';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { ClientToServer, ServerToClient, TreeServer } from '../../core/coord/tree/index.ts';
import { ZkConnection } from './connection.ts';

/** The in-process endpoint's node id: it starts with a NUL, which no command-line node name can hold (the tree server also drops network messages that claim it). */
export const GATEWAY_NODE = '\u0000zk-gateway';
/** ZooKeeper's maxClientCnxns is 60 per client IP; ours bounds the whole listener. */
const DEFAULT_MAX_CONNECTIONS = 10_000;

export interface ZkGatewayOptions {
  /** The running node's tree server; undefined while the node is down. */
  readonly treeServer: () => TreeServer | undefined;
  readonly secret?: string;
  /** The agent's HTTP ACL, applied to ZooKeeper requests too (the token via `addauth digest hanode:<token>`). */
  readonly acl?: AclConfig;
  readonly maxConnections?: number;
  readonly log?: (line: string) => void;
  /** For the `srvr` four-letter word: this server's Raft role and applied index, and the tree's size. */
  readonly status?: () => { readonly mode: string; readonly zxid: number; readonly nodeCount: number } | undefined;
  /** A core that throws is a bug: reported here (the agent stops, as for its other cores). */
  readonly onCoreError?: (err: unknown) => void;
}

export interface ZkGatewayCounters {
  connections: number;
  badFrames: number;
  refusedConnections: number;
}

export class ZkGateway {
  readonly counters: ZkGatewayCounters = { connections: 0, badFrames: 0, refusedConnections: 0 };
  private readonly server: Server;
  private readonly conns = new Map<string, ZkConnection>();
  private attached: TreeServer | undefined;
  private inject: ((msg: ClientToServer) => void) | undefined;
  private nextConn = 1;
  private readonly secret: string;
  private readonly maxConnections: number;

  constructor(private readonly opts: ZkGatewayOptions) {
    this.secret = opts.secret ?? 'hanode-zk-session-password';
    this.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.server = createServer((socket) => {
      if (this.conns.size >= this.maxConnections) {
        this.counters.refusedConnections++;
        socket.destroy();
        return;
      }
      this.counters.connections++;
      const n = this.nextConn++;
      const c = new ZkConnection(socket, `zk-${n}`, n, {
        toCore: (msg) => this.toCore(msg),
        password: (id) => createHmac('sha256', this.secret).update(id.toString()).digest().subarray(0, 16),
        badFrame: (reason) => {
          this.counters.badFrames++;
          this.opts.log?.(`[WARN] zk: closing ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
        },
        closed: (conn) => this.conns.delete(conn.cid),
        fourLetterWord: (cmd) => this.fourLetterWord(cmd),
        ...(this.opts.acl !== undefined ? { acl: this.opts.acl } : {}),
      });
      this.conns.set(c.cid, c);
    });
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve({ host, port: typeof a === 'object' && a ? a.port : port });
      });
    });
  }

  close(): Promise<void> {
    for (const c of [...this.conns.values()]) c.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  openConnections(): number {
    return this.conns.size;
  }

  /**
   * ZooKeeper's `ruok` (imok when serving) and `srvr` (version, connections, zxid, mode, node
   * count), the two health checks ZooKeeper 3.5+ whitelists or ships images with.
   */
  private fourLetterWord(cmd: string): string | undefined {
    if (cmd === 'ruok') return this.opts.treeServer() ? 'imok' : '';
    if (cmd !== 'srvr') return undefined;
    const s = this.opts.status?.();
    if (!s) return 'This ZooKeeper instance is not currently serving requests\n';
    return [
      'Zookeeper version: hanode 0.1.0 (ZooKeeper 3.8 client protocol)',
      `Connections: ${this.conns.size}`,
      `Zxid: 0x${s.zxid.toString(16)}`,
      `Mode: ${s.mode}`,
      `Node count: ${s.nodeCount}`,
      '',
    ].join('\n');
  }

  private toCore(msg: ClientToServer): boolean {
    // Decoded from a client's bytes: it meets the tree protocol's wire schema (path and data
    // bounds) as a message from the network would, before the core sees it.
    const bad = validateWire('zk', msg);
    if (bad !== null) {
      this.counters.badFrames++;
      this.opts.log?.(`[WARN] zk: refused a request: ${bad}`);
      return false;
    }
    const ts = this.opts.treeServer();
    if (!ts) return false;
    if (ts !== this.attached) {
      // A new node incarnation (restart): connections of the old one are gone with it.
      this.attached = ts;
      this.inject = ts.attachLocal(GATEWAY_NODE, (m) => this.fromCore(m));
      for (const c of [...this.conns.values()]) if (c.cid !== msg.cid) c.close();
    }
    try {
      this.inject!(msg);
    } catch (e) {
      this.opts.onCoreError?.(e);
      return false;
    }
    return true;
  }

  private fromCore(msg: ServerToClient): void {
    const c = this.conns.get(msg.cid);
    if (!c) return;
    try {
      c.fromCore(msg);
    } catch (e) {
      // A reply this gateway failed to encode is its bug, not the core's: drop the connection.
      this.opts.log?.(`[ERR] zk: ${c.cid}: ${(e as Error)?.stack ?? String(e)}`);
      c.close();
    }
  }
}
