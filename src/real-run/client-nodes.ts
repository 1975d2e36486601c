/**
 * The scenario's client nodes in a real run. The workloads run in this process, but each
 * client node sends from a loopback address of its own (127.0.1.2, 127.0.1.3, ... in topology
 * order), so `isolate`/`partition` of a client node are nft rules like any other; `crash`
 * stops the client (it sends nothing more until restarted), `pause` holds it. The workloads ask
 * `isUp` before each step, as the simulated clients ask `world.isUp`.
 */
import type { NodeId } from '../core/env.ts';

/** At most this many client nodes: one address each, 127.0.1.2 .. 127.0.1.201. */
const MAX_CLIENTS = 200;

export interface ClientNode {
  readonly name: NodeId;
  readonly addr: string;
  state: 'up' | 'paused' | 'down';
}

export class ClientNodes {
  readonly nodes: ClientNode[];

  constructor(names: readonly NodeId[]) {
    if (names.length > MAX_CLIENTS) throw new Error(`a real run takes at most ${MAX_CLIENTS} client nodes, got ${names.length}`);
    this.nodes = names.map((name, i) => ({ name, addr: `127.0.1.${i + 2}`, state: 'up' }));
  }

  get(name: NodeId): ClientNode | undefined {
    return this.nodes.find((c) => c.name === name);
  }

  /** The address a client sends from (undefined for a name that is no client node). */
  addr(name: NodeId): string | undefined {
    return this.get(name)?.addr;
  }

  isUp(name: NodeId): boolean {
    return this.get(name)?.state === 'up';
  }
}
