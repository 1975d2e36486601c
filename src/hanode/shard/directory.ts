/**
 * Registration of shard processes in the coordination tree: each one holds an ephemeral
 * znode `/shard/nodes/<name>` with its address card (cluster sockets, HTTP, group, whether it
 * is a master candidate), and reads everyone else's into its peer book. Ephemeral: a process
 * that dies leaves the directory when its session expires. The master's own placement
 * decisions come from heartbeats (server.ts), not from here; this is only "who is where".
 *
 * Cards come from the network: each is parsed and checked before it reaches the peer book.
 */
import type { NodeId } from '../../core/env.ts';
import { addressFromCard, type PeerAddress, type PeerBook } from '../../net-real/peer-book.ts';
import { ZkWireClient } from './zk-wire-client.ts';

export const NODES_DIR = '/shard/nodes';
/** Processes read per refresh (a handful in practice; the bound keeps a flood harmless). */
export const MAX_DIRECTORY_NODES = 256;
/**
 * Re-read period. 1 s: as the shard servers' election re-list (core/shard/server.ts), small
 * against the 4 s session timeout that bounds how fast anything changes anyway.
 */
const REFRESH_MS = 1000;
/** Largest card accepted (a card is ~150 bytes). */
const MAX_CARD_BYTES = 4096;
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface NodeCard {
  readonly host: string;
  readonly udp: string;
  readonly tcp: string;
  /** HOST:PORT of the node's HTTP endpoint, if it has one. */
  readonly http?: string;
  readonly group?: string;
  readonly master: boolean;
}

/** A card read from the tree, or undefined when it is not one. */
export function parseCard(text: string): (NodeCard & { readonly addr: PeerAddress }) | undefined {
  if (text.length > MAX_CARD_BYTES) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.host !== 'string' || typeof o.udp !== 'string' || typeof o.tcp !== 'string' || typeof o.master !== 'boolean') return undefined;
  if (o.http !== undefined && (typeof o.http !== 'string' || !/^[0-9A-Za-z.:[\]-]{1,128}$/.test(o.http))) return undefined;
  if (o.group !== undefined && (typeof o.group !== 'string' || !NAME_RE.test(o.group))) return undefined;
  const addr = addressFromCard({ host: o.host, udp: o.udp, tcp: o.tcp });
  if (!addr) return undefined;
  return { host: o.host, udp: o.udp, tcp: o.tcp, master: o.master, ...(o.http !== undefined ? { http: o.http as string } : {}), ...(o.group !== undefined ? { group: o.group as string } : {}), addr };
}

export interface DirectoryOptions {
  readonly self: NodeId;
  readonly card: NodeCard;
  readonly coord: readonly string[];
  readonly token?: string;
  readonly sessionTimeoutMs: number;
  readonly peers: PeerBook;
  /** Called with the master candidates' ids (sorted) whenever the list changes. */
  readonly onMasters: (ids: readonly NodeId[]) => void;
  readonly log: (line: string) => void;
}

export class ShardDirectory {
  private client: ZkWireClient | undefined;
  private registered = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private masters = '';
  /** The last cards read, by node (status pages, the client CLI). */
  readonly cards = new Map<NodeId, NodeCard>();

  constructor(private readonly o: DirectoryOptions) {}

  start(): void {
    this.running = true;
    this.tick();
  }

  /** Stops refreshing and closes the session: our znode goes at once, not after the session timeout. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.client?.closeNow();
  }

  private live(): ZkWireClient {
    const s = this.client?.state();
    if (!this.client || s === 'expired' || s === 'closed') {
      this.registered = false;
      this.client = new ZkWireClient({
        servers: this.o.coord,
        sessionTimeoutMs: this.o.sessionTimeoutMs,
        ...(this.o.token !== undefined ? { token: this.o.token } : {}),
        schedule: (fn) => setImmediate(() => {
          if (this.running) fn();
        }),
        log: this.o.log,
      });
    }
    return this.client;
  }

  private tick(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), REFRESH_MS);
    if (this.busy) return;
    this.busy = true;
    const c = this.live();
    const done = (): void => {
      this.busy = false;
    };
    if (!this.registered) return this.register(c, done);
    this.refresh(c, done);
  }

  private register(c: ZkWireClient, done: () => void): void {
    const path = `${NODES_DIR}/${this.o.self}`;
    c.create('/shard', '', 'persistent', () => {
      c.create(NODES_DIR, '', 'persistent', () => {
        c.create(path, JSON.stringify(this.o.card), 'ephemeral', (err) => {
          if (err === 'NodeExists') {
            // Ours from this session (a create whose answer was lost), or a dead incarnation's
            // whose session has not expired yet: only ours may stand; the other goes with its session.
            c.getData(path, undefined, (e, _d, stat) => {
              if (!e && stat?.ephemeralOwner === c.sessionId()) this.registered = true;
              done();
            });
            return;
          }
          if (!err) {
            this.registered = true;
            this.o.log(`registered ${path}`);
          }
          done();
        });
      });
    });
  }

  private refresh(c: ZkWireClient, done: () => void): void {
    c.getChildren(NODES_DIR, () => this.tick(), (err, children) => {
      if (err || !children) return done();
      const names = [...children].filter((n) => NAME_RE.test(n)).sort().slice(0, MAX_DIRECTORY_NODES);
      if (!names.includes(this.o.self)) this.registered = false; // our session ended: register again
      let left = names.length;
      if (left === 0) return done();
      const seen = new Map<NodeId, NodeCard>();
      for (const name of names) {
        c.getData(`${NODES_DIR}/${name}`, undefined, (e, data) => {
          const card = !e && data !== undefined ? parseCard(data) : undefined;
          if (card) {
            seen.set(name, card);
            if (name !== this.o.self) this.o.peers.set(name, card.addr);
          }
          if (--left > 0) return;
          this.cards.clear();
          for (const [n, k] of seen) this.cards.set(n, k);
          const masters = [...seen].filter(([, k]) => k.master).map(([n]) => n).sort();
          if (masters.join(',') !== this.masters) {
            this.masters = masters.join(',');
            this.o.onMasters(masters);
          }
          done();
        });
      }
    });
  }
}
