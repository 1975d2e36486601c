// Small test cores for the simulator's own tests: a flooding pinger that logs what it receives.
import type { Env, NodeId } from '../../src/core/env.ts';
import { ms } from '../../src/core/env.ts';
import type { TopologySpec } from '../../src/sim/index.ts';

export const threeDcs: TopologySpec = {
  regions: [
    { name: 'eu', dcs: [{ name: 'eu-1', nodes: ['a1', 'a2'] }, { name: 'eu-2', nodes: ['b1', 'b2'] }] },
    { name: 'us', dcs: [{ name: 'us-1', nodes: ['c1', 'c2'] }] },
  ],
};

export interface Received {
  t: number;
  from: NodeId;
  to: NodeId;
  seq: number;
  sentAt: number;
}

/** Every `periodUs` each node sends a numbered datagram (or reliable message) to every peer. */
export function flooder(env: Env, peers: readonly NodeId[], log: Received[], opts: { periodUs?: number; reliable?: boolean; now: () => number }) {
  let seq = 0;
  env.onMessage((from, msg) => {
    const m = msg as unknown as { type: string; seq: number; sentAt: number };
    log.push({ t: opts.now(), from, to: env.self, seq: m.seq, sentAt: m.sentAt });
  });
  return {
    start() {
      const tick = () => {
        seq++;
        for (const p of peers) if (p !== env.self) env.send(p, { type: 'flood', seq, sentAt: opts.now() } as never, { reliable: opts.reliable ?? false });
        env.after(opts.periodUs ?? ms(10), tick);
      };
      tick();
    },
  };
}
