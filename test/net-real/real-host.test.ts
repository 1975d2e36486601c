import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env, Message, NodeId } from '../../src/core/env.ts';
import { encodeEnvelope, RealHost } from '../../src/net-real/index.ts';
import type { TraceEvent } from '../../src/sim/index.ts';
import { eventually as waitFor } from '../support/patience.ts';

interface Probe {
  env: Env;
  got: [NodeId, Message][];
}

const hosts: RealHost<Probe>[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

async function probeHost(id: string, extra: Partial<ConstructorParameters<typeof RealHost>[0]> = {}): Promise<RealHost<Probe>> {
  const h = new RealHost<Probe>({ id, ...extra }).setup((ctx) => {
    const env = ctx.env('probe');
    const got: [NodeId, Message][] = [];
    env.onMessage((from, msg) => {
      if (msg.type === 'boom') throw new Error('core bug');
      got.push([from, msg]);
    });
    return { env, got };
  });
  hosts.push(h);
  await h.start();
  return h;
}

describe('RealHost accounting', () => {
  it('counts malformed packets, unknown services, unknown peers and senders; reports core errors', async () => {
    const errors: [unknown, string][] = [];
    const b = await probeHost('b', { onError: (e, where) => errors.push([e, where]) });
    const a = await probeHost('a');
    a.peers.set('b', b.address);
    b.peers.set('a', a.address);
    const raw = createSocket('udp4');
    raw.send(Buffer.from('garbage'), b.address.udpPort, '127.0.0.1');
    raw.send(encodeEnvelope({ from: 'mallory', service: 'probe', msg: { type: 'hello' } }), b.address.udpPort, '127.0.0.1');
    raw.send(encodeEnvelope({ from: 'a', service: 'nope', msg: { type: 'x' } }), b.address.udpPort, '127.0.0.1');
    a.app()!.env.send('zz', { type: 'lost' });
    a.app()!.env.send('b', { type: 'hello' });
    a.app()!.env.send('b', { type: 'boom' }, { reliable: true });
    a.app()!.env.send('a', { type: 'self' });
    expect(await waitFor(() => b.stats.droppedMalformed === 1 && b.stats.droppedNoHandler === 1 && b.stats.droppedUnknownSender === 1 && errors.length === 1 && b.app()!.got.length === 1)).toBe(true);
    await new Promise<void>((r) => raw.close(() => r()));
    expect(a.stats.droppedUnknownPeer).toBe(1);
    expect(b.app()!.got).toEqual([['a', { type: 'hello' }]]);
    expect(errors[0]![1]).toBe('message');
    expect(await waitFor(() => a.app()!.got.length === 1)).toBe(true);
    expect(a.app()!.got).toEqual([['a', { type: 'self' }]]);
  });

  it('restart: old timers never fire, old envs are inert, the trace shows both boots', async () => {
    const trace: TraceEvent[] = [];
    const h = await probeHost('solo', { onTrace: (ev) => trace.push(ev) });
    const oldEnv = h.app()!.env;
    let oldFired = false;
    oldEnv.after(20_000, () => (oldFired = true));
    h.restart();
    let newFired = false;
    h.app()!.env.after(20_000, () => (newFired = true));
    oldEnv.after(0, () => (oldFired = true)); // a stale env schedules nothing
    oldEnv.trace('stale.event');
    h.app()!.env.trace('fresh.event', { n: 1 });
    expect(await waitFor(() => newFired)).toBe(true);
    await new Promise((r) => setTimeout(r, 40));
    expect(oldFired).toBe(false);
    expect(trace.map((e) => e.kind)).toEqual(['node.boot', 'node.restart', 'fresh.event']);
    expect(trace[2]).toMatchObject({ node: 'solo', svc: 'probe', n: 1 });
    expect(h.app()).toBeDefined();
  });
});
