/**
 * How check results spread. The issue asks for SWIM gossip (piggybacked broadcasts); the
 * SWIM core offers that to other cores on the same node, and an adapter implements this
 * interface on it. `DirectFanout` is the dependency-free fallback: each observer sends its
 * own latest results to every peer as datagrams (n^2 small messages per interval, fine for
 * the tens of nodes a failover service runs on; losses are healed by the next round).
 */
import { assert, type Env, type Message, type NodeId } from '../env.ts';
import type { CheckResult } from './types.ts';

export interface ResultTransport {
  /** Spreads this node's own latest results. */
  publish(results: readonly CheckResult[]): void;
  /** Registers the handler of results gossiped by others (one handler). */
  onResults(handler: (results: readonly CheckResult[]) => void): void;
  /** Optional: stop carrying results of a deleted target (anti-entropy state). */
  forget?(target: string): void;
}

export interface HaResultsMessage extends Message {
  readonly type: 'ha.results';
  readonly results: readonly CheckResult[];
}

/** Results per datagram: keeps one message well under a 1400-byte-ish UDP payload budget. */
export const MAX_RESULTS_PER_MESSAGE = 16;

export class DirectFanout implements ResultTransport {
  private handler: ((results: readonly CheckResult[]) => void) | undefined;

  constructor(
    private readonly env: Env,
    private readonly peers: () => readonly NodeId[],
  ) {
    env.onMessage((_from, msg) => {
      if (msg.type !== 'ha.results') return;
      const m = msg as HaResultsMessage;
      if (!Array.isArray(m.results) || m.results.length > MAX_RESULTS_PER_MESSAGE) return; // malformed: drop
      this.handler?.(m.results);
    });
  }

  publish(results: readonly CheckResult[]): void {
    for (let i = 0; i < results.length; i += MAX_RESULTS_PER_MESSAGE) {
      const chunk = results.slice(i, i + MAX_RESULTS_PER_MESSAGE);
      assert(chunk.length > 0 && chunk.length <= MAX_RESULTS_PER_MESSAGE, 'ha fanout: chunk bound');
      const msg: HaResultsMessage = { type: 'ha.results', results: chunk };
      for (const p of this.peers()) if (p !== this.env.self) this.env.send(p, msg);
    }
  }

  onResults(handler: (results: readonly CheckResult[]) => void): void {
    this.handler = handler;
  }
}
