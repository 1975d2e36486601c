/**
 * The authenticated channel (auth-channel.ts, replay-window.ts): an RFC 4303 sliding window
 * per sender session, a 60 s time bound, and on TCP a handshake that must authenticate
 * within a small pre-auth buffer and a timeout, then idle and connection caps.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ms } from '../../src/core/env.ts';
import { AuthChannel } from '../../src/net-real/auth-channel.ts';
import { MAX_AGE_MS, REPLAY_WINDOW, ReplayGuard, ReplayWindow } from '../../src/net-real/replay-window.ts';
import { generateKey, Keyring } from '../../src/net-real/seal.ts';
import { TcpTransport } from '../../src/net-real/tcp-transport.ts';
import { UdpTransport } from '../../src/net-real/udp-transport.ts';
import { eventually as waitFor } from '../support/patience.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('replay window (RFC 4303 §3.4.3)', () => {
  it('accepts each counter once, in any order within the window, and refuses what is left of it', () => {
    const w = new ReplayWindow();
    expect(w.check(5)).toBe(true);
    expect(w.check(5)).toBe(false); // a replay
    expect(w.check(3)).toBe(true); // late but new
    expect(w.check(3)).toBe(false);
    expect(w.check(5 + REPLAY_WINDOW)).toBe(true); // slides the window: 5 is now its left edge
    expect(w.check(5)).toBe(false); // seen (and at the edge)
    expect(w.check(4)).toBe(false); // left of the window
    expect(w.check(6)).toBe(true); // inside, never seen
    expect(w.check(-1)).toBe(false);
    expect(w.check(1.5)).toBe(false);
  });

  it('matches a model (a set of seen counters plus the left edge) on random sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }), (counters) => {
        const w = new ReplayWindow();
        const seen = new Set<number>();
        let highest = -1;
        for (const c of counters) {
          const expected = !seen.has(c) && c > highest - REPLAY_WINDOW;
          expect(w.check(c)).toBe(expected);
          if (expected) seen.add(c);
          highest = Math.max(highest, c);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a guard refuses stale and future messages (60 s bound) and forgets the least recent session past its cap', () => {
    const g = new ReplayGuard(2);
    const now = 1_000_000_000;
    expect(g.check('a', 0, now - MAX_AGE_MS - 1, now)).toBe('stale');
    expect(g.check('a', 0, now + MAX_AGE_MS + 1, now)).toBe('stale');
    expect(g.check('a', 0, now - MAX_AGE_MS, now)).toBe('ok');
    expect(g.check('a', 0, now, now)).toBe('replay');
    expect(g.check('b', 0, now, now)).toBe('ok');
    expect(g.check('c', 0, now, now)).toBe('ok'); // evicts a
    expect(g.size()).toBe(2);
    expect(g.check('b', 0, now, now)).toBe('replay'); // b was kept
  });
});

describe('auth channel', () => {
  it('opens what it sealed once; a replay, an altered packet and a stale one are dropped and counted', () => {
    let nowMs = 1_700_000_000_000;
    const keyring = Keyring.from(generateKey());
    const tx = new AuthChannel(keyring, new ReplayGuard(), () => nowMs);
    const rx = new AuthChannel(keyring, new ReplayGuard(), () => nowMs);
    const s = tx.session();
    const p1 = tx.seal(s, Buffer.from('one'));
    const p2 = tx.seal(s, Buffer.from('two'));
    const r2 = rx.open(p2);
    expect(r2.ok && r2.payload.toString()).toBe('two');
    const r1 = rx.open(p1); // reordered: still new
    expect(r1.ok && r1.payload.toString()).toBe('one');
    expect(rx.open(p1)).toEqual({ ok: false, reason: 'replay' });
    const bent = Buffer.from(p2);
    bent[bent.length - 20]! ^= 1;
    expect(rx.open(bent)).toEqual({ ok: false, reason: 'bad-auth' });
    const later = tx.seal(s, Buffer.from('three'));
    nowMs += MAX_AGE_MS + 1;
    expect(rx.open(later)).toEqual({ ok: false, reason: 'stale' });
    expect(rx.stats).toEqual({ droppedBadAuth: 1, droppedReplay: 1, droppedStale: 1 });
    // another key: not authenticated
    expect(new AuthChannel(Keyring.from(generateKey())).open(tx.seal(s, Buffer.from('x')))).toEqual({ ok: false, reason: 'bad-auth' });
  });

  it('UDP: a captured datagram replayed 100 times is delivered once', async () => {
    const keyring = Keyring.from(generateKey());
    const a = new UdpTransport({ host: '127.0.0.1', port: 0, keyring });
    const b = new UdpTransport({ host: '127.0.0.1', port: 0, keyring });
    closers.push(() => a.close(), () => b.close());
    const [, bPort] = await Promise.all([a.start(), b.start()]);
    const got: string[] = [];
    b.onPacket((p) => got.push(p.toString()));
    // Capture what a sends by sealing through a's own channel as it would (same session).
    const sniff = createSocket('udp4');
    closers.push(() => new Promise<void>((r) => sniff.close(() => r())));
    const captured: Buffer[] = [];
    sniff.on('message', (m) => captured.push(m));
    const sniffPort = await new Promise<number>((r) => sniff.bind(0, '127.0.0.1', () => r(sniff.address().port)));
    a.send('127.0.0.1', sniffPort, Buffer.from('transfer 100'));
    expect(await waitFor(() => captured.length === 1)).toBe(true);
    for (let i = 0; i < 100; i++) sniff.send(captured[0]!, bPort, '127.0.0.1');
    a.send('127.0.0.1', bPort, Buffer.from('fresh'));
    expect(await waitFor(() => b.stats.droppedReplay === 99 && got.length === 2)).toBe(true);
    expect(got.sort()).toEqual(['fresh', 'transfer 100']);
  });
});

describe('TCP pre-auth limits', () => {
  function rawConnect(port: number): Promise<Socket> {
    return new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.on('error', () => {});
      closers.push(() => void s.destroy());
    });
  }
  const closed = (s: Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

  it('closes a connection whose first frame is larger than the pre-auth budget, or that never authenticates', async () => {
    const keyring = Keyring.from(generateKey());
    const b = new TcpTransport({ host: '127.0.0.1', port: 0, keyring, handshakeTimeoutUs: ms(300), preAuthMaxBytes: 4096 });
    closers.push(() => b.close());
    const port = await b.start();
    const big = await rawConnect(port);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(4 * 1024 * 1024); // announces 4 MiB: refused before anything is buffered
    big.write(header);
    await closed(big);
    expect(b.stats.badFrames).toBe(1);
    const slow = await rawConnect(port);
    slow.write(Buffer.from([0, 0, 0x0f, 0xff, 1, 2, 3])); // a 4095-byte frame, trickled: never completes
    await closed(slow);
    expect(b.stats.handshakeTimeouts).toBe(1);
  });

  it('an authenticated sender gets the full frame limit after its handshake; a recorded stream replayed is cut', async () => {
    const keyring = Keyring.from(generateKey());
    const b = new TcpTransport({ host: '127.0.0.1', port: 0, keyring });
    closers.push(() => b.close());
    const port = await b.start();
    const got: number[] = [];
    b.onFrame((p) => got.push(p.length));
    // A man in the middle: forwards a's stream to b and records it.
    const recorded: Buffer[] = [];
    const { createServer } = await import('node:net');
    const mitm = createServer((s) => {
      const up = connect({ host: '127.0.0.1', port });
      up.on('error', () => {});
      s.on('error', () => {});
      s.on('data', (d) => {
        recorded.push(Buffer.from(d));
        up.write(d);
      });
      closers.push(() => void up.destroy(), () => void s.destroy());
    });
    closers.push(() => new Promise<void>((r) => mitm.close(() => r())));
    const mitmPort = await new Promise<number>((r) => mitm.listen(0, '127.0.0.1', () => r((mitm.address() as { port: number }).port)));
    const a = new TcpTransport({ host: '127.0.0.1', port: 0, keyring });
    closers.push(() => a.close());
    a.send('b', '127.0.0.1', mitmPort, Buffer.alloc(100_000, 7)); // far above the 4 KiB pre-auth budget
    a.send('b', '127.0.0.1', mitmPort, Buffer.from('transfer 100'));
    expect(await waitFor(() => got.length === 2)).toBe(true);
    expect(got).toEqual([100_000, 12]);
    const replay = await rawConnect(port);
    replay.write(Buffer.concat(recorded));
    await closed(replay);
    expect(b.stats.droppedReplay).toBe(1);
    expect(got.length).toBe(2);
  });

  it('caps inbound connections per address and closes idle ones', async () => {
    const b = new TcpTransport({ host: '127.0.0.1', port: 0, keyring: Keyring.from(generateKey()), maxInboundPerAddress: 5, idleTimeoutUs: ms(300), handshakeTimeoutUs: ms(5_000) });
    closers.push(() => b.close());
    const port = await b.start();
    const socks = await Promise.all(Array.from({ length: 8 }, () => rawConnect(port)));
    expect(await waitFor(() => b.stats.refusedConnections === 3)).toBe(true);
    await Promise.all(socks.map(closed));
    expect(await waitFor(() => b.inboundConnections() === 0)).toBe(true);
    expect(b.stats.idleTimeouts).toBe(5);
  });
});
