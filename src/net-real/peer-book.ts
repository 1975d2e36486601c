/**
 * Where each node listens: NodeId → host, UDP port, TCP port. Settable at runtime, because
 * gossip and joins learn peers while the node runs. Listeners hear every change (the TCP
 * transport drops a connection whose peer moved).
 */
import type { NodeId } from '../core/env.ts';

export interface PeerAddress {
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
}

/** Bound on the book: far above any cluster we run, low enough to stop a runaway join loop. */
export const MAX_PEERS = 10_000;

export class PeerBook {
  private readonly peers = new Map<NodeId, PeerAddress>();
  private readonly listeners: ((id: NodeId, addr: PeerAddress | undefined) => void)[] = [];

  constructor(initial?: Iterable<readonly [NodeId, PeerAddress]> | Record<NodeId, PeerAddress>) {
    if (initial === undefined) return;
    const entries = Symbol.iterator in (initial as object) ? (initial as Iterable<readonly [NodeId, PeerAddress]>) : Object.entries(initial);
    for (const [id, addr] of entries) this.set(id, addr);
  }

  set(id: NodeId, addr: PeerAddress): void {
    const old = this.peers.get(id);
    if (old && old.host === addr.host && old.udpPort === addr.udpPort && old.tcpPort === addr.tcpPort) return;
    if (!old && this.peers.size >= MAX_PEERS) throw new RangeError(`peer book full (${MAX_PEERS} peers)`);
    this.peers.set(id, { host: addr.host, udpPort: addr.udpPort, tcpPort: addr.tcpPort });
    for (const l of this.listeners) l(id, addr);
  }

  remove(id: NodeId): void {
    if (!this.peers.delete(id)) return;
    for (const l of this.listeners) l(id, undefined);
  }

  get(id: NodeId): PeerAddress | undefined {
    return this.peers.get(id);
  }

  ids(): NodeId[] {
    return [...this.peers.keys()];
  }

  onChange(fn: (id: NodeId, addr: PeerAddress | undefined) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

/**
 * The address card of src/core/node/hello.ts ({ host, udp, tcp } as strings) for an address,
 * and back: how a host turns a hello or SWIM meta into a peer-book entry.
 */
export function addressCard(addr: PeerAddress): Record<string, string> {
  return { host: addr.host, udp: String(addr.udpPort), tcp: String(addr.tcpPort) };
}

/** The address in a card, or undefined when it lacks a host or valid ports. */
export function addressFromCard(card: Readonly<Record<string, string>>): PeerAddress | undefined {
  const udpPort = Number(card.udp);
  const tcpPort = Number(card.tcp);
  const valid = (p: number): boolean => Number.isInteger(p) && p > 0 && p < 65_536;
  if (!card.host || !valid(udpPort) || !valid(tcpPort)) return undefined;
  return { host: card.host, udpPort, tcpPort };
}
