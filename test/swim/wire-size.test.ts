/**
 * The 1,400-byte packet budget (memberlist UDPBufferSize) holds on the wire: a node with a
 * full broadcast queue sends packets whose msgpack encoding stays within the budget. Uses
 * a hand-driven Env (no simulator) that captures every send.
 */
import { describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import type { Env, Message, NodeId, Timer } from '../../src/core/env.ts';
import { MemoryStorage, randomStream } from '../../src/sim/index.ts';
import { SwimNode, type Update } from '../../src/core/swim/index.ts';

interface Sent {
  to: NodeId;
  msg: Message;
}

function fakeEnv(self: NodeId): { env: Env; sent: Sent[]; fire(): void; deliver(from: NodeId, m: Message): void } {
  let handler: ((from: NodeId, msg: Message) => void) | undefined;
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  const sent: Sent[] = [];
  const env: Env = {
    self,
    service: 'swim',
    now: () => now,
    after(delay: number, fn: () => void): Timer {
      const t = { at: now + delay, fn, live: true };
      timers.push(t);
      return { cancel: () => void (t.live = false) };
    },
    send: (to, msg) => void sent.push({ to, msg }),
    onMessage: (h) => void (handler = h),
    storage: new MemoryStorage(),
    random: randomStream(1, self),
    trace: () => {},
  };
  return {
    env,
    sent,
    // runs the earliest pending timer (bounded by the caller)
    fire() {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift();
      if (!t) return;
      now = Math.max(now, t.at);
      if (t.live) t.fn();
    },
    deliver: (from, m) => handler!(from, m),
  };
}

describe('wire size', () => {
  it('packets filled from a long queue stay within 1,400 bytes of msgpack', () => {
    const f = fakeEnv('node-000');
    const swim = new SwimNode(f.env, { meta: { role: 'database', dc: 'eu-west-1a' } });
    swim.start();
    // teach it 300 members with metadata, in gossip packets of 20 updates
    for (let i = 1; i <= 300; i += 20) {
      const u: Update[] = [];
      for (let j = i; j < i + 20; j++) u.push({ t: 'alive', node: `node-${String(j).padStart(3, '0')}`, inc: j * 1000, meta: { role: 'cache', dc: 'eu-west-1b' } });
      f.deliver('node-001', { type: 'swim.gossip', u } as Message);
    }
    swim.broadcast('health/db-primary', { target: 'db-primary', observer: 'node-000', status: 'down', boot: 3, seq: 1234567 });
    for (let i = 0; i < 200; i++) f.fire();
    const sizes = f.sent.filter((s) => (s.msg as { u?: unknown[] }).u !== undefined).map((s) => pack(s.msg).length);
    expect(sizes.length).toBeGreaterThan(20);
    const max = Math.max(...sizes);
    expect(max).toBeLessThanOrEqual(1400);
    expect(max).toBeGreaterThan(1100); // and the budget is actually used
  });
});
