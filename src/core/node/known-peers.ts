/**
 * The peers a server has known, kept in its node storage so a restart can find them again
 * without `--join`: Serf keeps the same list in its snapshot file (serf/snapshot.go, the
 * `-data-dir/serf/local.snapshot` of a Consul agent) and rejoins those members on start.
 * Without it, a server restarted with `--bootstrap-expect` alone after the others had
 * declared it dead never spoke to them again (issue 14).
 *
 * Only the address fields of a card are kept; the list is bounded and the newest
 * learned card wins. Loaded values are validated: the file is input like any other.
 */
import type { NodeId, Storage } from '../env.ts';
import type { AddressCard } from './hello.ts';

/** Node-level storage key of the remembered peers. */
export const KNOWN_PEERS_KEY = 'known-peers';
/** Bound on remembered peers (Serf's snapshot has none; ours: far above any server count we run). */
export const MAX_KNOWN_PEERS = 64;
/** The card fields that say where a node listens. */
const ADDRESS_FIELDS = ['host', 'udp', 'tcp', 'http'] as const;
/** Bound on one stored field (a host name or a port). */
const MAX_FIELD_CHARS = 256;

export class KnownPeers {
  private readonly peers = new Map<NodeId, AddressCard>();

  constructor(private readonly storage: Storage) {
    const raw = storage.load<unknown>(KNOWN_PEERS_KEY);
    if (!Array.isArray(raw)) return;
    for (const e of raw.slice(0, MAX_KNOWN_PEERS)) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || e[0] === '') continue;
      const card = addressOnly(e[1]);
      if (card !== undefined) this.peers.set(e[0], card);
    }
  }

  /** Remembers where `node` listens; durable before it returns when anything changed. */
  remember(node: NodeId, card: AddressCard): void {
    const c = addressOnly(card);
    if (c === undefined) return;
    const old = this.peers.get(node);
    if (old !== undefined && ADDRESS_FIELDS.every((f) => old[f] === c[f])) return;
    this.peers.delete(node);
    this.peers.set(node, c);
    // Oldest first out.
    while (this.peers.size > MAX_KNOWN_PEERS) this.peers.delete(this.peers.keys().next().value!);
    this.storage.save(KNOWN_PEERS_KEY, [...this.peers]);
    this.storage.sync();
  }

  entries(): [NodeId, AddressCard][] {
    return [...this.peers];
  }

  card(node: NodeId): AddressCard | undefined {
    return this.peers.get(node);
  }

  ids(): NodeId[] {
    return [...this.peers.keys()];
  }
}

/**
 * The address fields of a card (possibly none: in the simulator a name is an address), or
 * undefined when it is not a card at all.
 */
function addressOnly(card: unknown): AddressCard | undefined {
  if (typeof card !== 'object' || card === null) return undefined;
  const out: Record<string, string> = {};
  for (const f of ADDRESS_FIELDS) {
    const v = (card as Record<string, unknown>)[f];
    if (typeof v === 'string' && v !== '' && v.length <= MAX_FIELD_CHARS) out[f] = v;
  }
  return out;
}
