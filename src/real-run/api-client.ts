/**
 * A lock / lease / failover client node of a real run talking to the agents over the Consul
 * HTTP API: it sends from its node's own address (client-nodes.ts), sticks to one agent and
 * moves to another (drawn from the seed) when that one fails to answer or has no leader, as a
 * Consul client configured with every server's address does. Requests are bounded.
 */
import type { NodeId, Random } from '../core/env.ts';
import type { ClientNodes } from './client-nodes.ts';
import { httpCall, type Answer } from './http-call.ts';

export class RealApiClient {
  private server: number;

  constructor(
    readonly node: NodeId,
    private readonly servers: readonly string[],
    private readonly clients: ClientNodes | undefined,
    private readonly random: Random,
    private readonly timeoutMs: number,
  ) {
    this.server = random.int(servers.length);
  }

  isUp(): boolean {
    return this.clients?.isUp(this.node) ?? true;
  }

  /** One request to the current agent; a failure to answer moves the client to another agent. */
  async call(method: string, path: string, body?: string): Promise<Answer> {
    const from = this.clients?.addr(this.node);
    const a = await httpCall(method, `http://${this.servers[this.server]}${path}`, { timeoutMs: this.timeoutMs, ...(from !== undefined ? { from } : {}), ...(body !== undefined ? { body } : {}) });
    if (typeof a === 'string' || a.status >= 500) this.server = this.random.int(this.servers.length);
    return a;
  }
}

/** The JSON of a 200 answer, or undefined (untrusted input: any other shape is no answer). */
export function json200(a: Answer): unknown {
  if (typeof a === 'string' || a.status !== 200) return undefined;
  try {
    return JSON.parse(a.text) as unknown;
  } catch {
    return undefined;
  }
}
