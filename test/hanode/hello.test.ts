/**
 * HelloExchange: a joiner that knows only a seed's address learns the seed's name and both
 * learn each other's address card, despite datagram loss (retries), and stops greeting once
 * answered. The provisional id is mapped to the seed by wrapping the joiner's Env, as the
 * real host maps it through its peer book.
 */
import { describe, expect, it } from 'vitest';
import { World } from '../../src/sim/index.ts';
import { sec, type Env } from '../../src/core/env.ts';
import { HelloExchange, provisionalId, type AddressCard } from '../../src/core/node/index.ts';

describe('HelloExchange', () => {
  it('resolves a seed address to its name under 30% loss, then stops', () => {
    const world = World.lan(['seed', 'joiner'], 9, { network: { loss: 0.3 } });
    const prov = provisionalId('10.0.0.1', 8301);
    const learned = new Map<string, Map<string, AddressCard>>();
    const resolved: [string, string][] = [];
    let sent = 0;
    world.setup((ctx) => {
      const base = ctx.env('hello');
      const env: Env = {
        ...base,
        self: base.self,
        service: base.service,
        storage: base.storage,
        random: base.random,
        now: () => base.now(),
        after: (d, fn) => base.after(d, fn),
        onMessage: (h) => base.onMessage(h),
        trace: (k, f) => base.trace(k, f),
        send: (to, msg, o) => {
          if (ctx.id === 'joiner') sent++;
          base.send(to === prov ? 'seed' : to, msg, o);
        },
      };
      const card: AddressCard = ctx.id === 'seed' ? { host: '10.0.0.1', udp: '8301' } : { host: '10.0.0.2', udp: '8301' };
      const mine = new Map<string, AddressCard>();
      learned.set(ctx.id, mine);
      const h = new HelloExchange(env, () => card, (n, c) => mine.set(n, c), (p, n) => resolved.push([p, n]));
      return { h, start: () => (ctx.id === 'joiner' ? h.greet([prov]) : undefined) };
    });
    world.start();
    expect(world.runUntil(() => resolved.length > 0, sec(60))).toBe(true);
    expect(resolved).toEqual([[prov, 'seed']]);
    expect(learned.get('joiner')!.get('seed')).toEqual({ host: '10.0.0.1', udp: '8301' });
    expect(learned.get('seed')!.get('joiner')).toEqual({ host: '10.0.0.2', udp: '8301' });
    const after = sent;
    world.runFor(sec(10));
    expect(sent).toBe(after);
  });
});
