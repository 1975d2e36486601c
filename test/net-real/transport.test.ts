import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ms } from '../../src/core/env.ts';
import {
  addressCard, addressFromCard, buildFrame, decodeEnvelope, encodeEnvelope, FrameReader, FrameTooLargeError, generateKey, parseKey, PeerBook,
  Keyring, RealClock, seal, TcpTransport, UdpTransport, unseal,
} from '../../src/net-real/index.ts';
import { eventually as waitFor } from '../support/patience.ts';
import { flipByte } from '../support/bytes.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('frames and envelopes', () => {
  it('FrameReader yields exactly the frames written, however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => buildFrame(p)));
          const reader = new FrameReader(1000);
          const got: Buffer[] = [];
          for (let at = 0, k = 0; at < stream.length; k++) {
            const n = cuts[k % cuts.length]!;
            got.push(...reader.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((b) => Buffer.from(b).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('FrameReader refuses an over-limit frame from its header alone', () => {
    const reader = new FrameReader(10);
    expect(() => reader.push(buildFrame(new Uint8Array(11)).subarray(0, 4))).toThrow(FrameTooLargeError);
  });

  it('envelopes round-trip and malformed bytes decode to null', () => {
    const e = { from: 'n1', service: 'raft', msg: { type: 'vote', term: 3, ok: true } };
    expect(decodeEnvelope(encodeEnvelope(e))).toEqual(e);
    expect(decodeEnvelope(Buffer.from([0xc1]))).toBeNull();
    expect(decodeEnvelope(encodeEnvelope({ ...e, msg: { notype: 1 } as never }))).toBeNull();
  });

  it('seal authenticates: any flipped byte or another key is rejected', () => {
    const key = parseKey(generateKey());
    const sealed = seal(key, Buffer.from('hello raft'));
    expect(unseal(key, sealed)?.toString()).toBe('hello raft');
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 0x01;
      expect(unseal(key, bad)).toBeNull();
    }
    expect(unseal(parseKey(generateKey()), sealed)).toBeNull();
    expect(() => parseKey('c2hvcnQ=')).toThrow(/32 bytes/);
  });

  it('a keyring seals with its primary and opens with any of its keys (rotation)', () => {
    const [k1, k2, k3] = [generateKey(), generateKey(), generateKey()];
    const old = Keyring.from(k1);
    const rotating = Keyring.from([k2, k1]);
    const fresh = Keyring.from(k2);
    expect(rotating.unseal(old.seal(Buffer.from('x')))?.toString()).toBe('x');
    expect(fresh.unseal(rotating.seal(Buffer.from('y')))?.toString()).toBe('y');
    expect(old.unseal(rotating.seal(Buffer.from('z')))).toBeNull();
    expect(rotating.unseal(Keyring.from(k3).seal(Buffer.from('w')))).toBeNull();
    expect(() => Keyring.from([])).toThrow(RangeError);
  });
});

describe('UDP transport', () => {
  it('delivers datagrams; with a key, tampered and foreign packets are dropped and counted', async () => {
    const key = parseKey(generateKey());
    const a = new UdpTransport({ host: '127.0.0.1', port: 0, keyring: Keyring.from(key) });
    const b = new UdpTransport({ host: '127.0.0.1', port: 0, keyring: Keyring.from(key) });
    closers.push(() => a.close(), () => b.close());
    const [, bPort] = await Promise.all([a.start(), b.start()]);
    const got: string[] = [];
    b.onPacket((p) => got.push(p.toString()));
    a.send('127.0.0.1', bPort, Buffer.from('one'));
    a.send('127.0.0.1', bPort, Buffer.from('two'));
    const raw = createSocket('udp4');
    closers.push(() => new Promise((r) => raw.close(() => r())));
    const forged = seal(key, Buffer.from('forged'));
    flipByte(forged, forged.length - 1);
    raw.send(forged, bPort, '127.0.0.1');
    raw.send(Buffer.from('plaintext'), bPort, '127.0.0.1');
    expect(await waitFor(() => got.length === 2 && b.stats.droppedBadAuth === 2)).toBe(true);
    expect(got.sort()).toEqual(['one', 'two']);
    a.send('127.0.0.1', bPort, Buffer.alloc(70_000));
    expect(a.stats.droppedOversize).toBe(1);
  });
});

describe('TCP transport', () => {
  function pair(opts: Partial<ConstructorParameters<typeof TcpTransport>[0]> = {}) {
    const a = new TcpTransport({ host: '127.0.0.1', port: 0, backoffMinUs: ms(10), backoffMaxUs: ms(50), ...opts });
    closers.push(() => a.close());
    return a;
  }

  it('keeps order on one connection, queues while the peer is down, reconnects when it is back', async () => {
    const a = pair();
    let b = pair();
    const bPort = await b.start();
    const got: number[] = [];
    b.onFrame((p) => got.push(p.readUInt32BE(0)));
    const num = (n: number): Buffer => {
      const x = Buffer.alloc(4);
      x.writeUInt32BE(n);
      return x;
    };
    for (let i = 0; i < 100; i++) a.send('b', '127.0.0.1', bPort, num(i));
    expect(await waitFor(() => got.length === 100)).toBe(true);
    expect(got).toEqual([...Array(100).keys()]);
    await b.close();
    // Wait until a notices the close, then send while b is down: frames queue, a retries.
    expect(await waitFor(() => a.stats.disconnects === 1)).toBe(true);
    for (let i = 100; i < 110; i++) a.send('b', '127.0.0.1', bPort, num(i));
    expect(await waitFor(() => a.stats.connectFailures >= 1)).toBe(true);
    b = new TcpTransport({ host: '127.0.0.1', port: bPort });
    closers.push(() => b.close());
    b.onFrame((p) => got.push(p.readUInt32BE(0)));
    await b.start();
    expect(await waitFor(() => got.length === 110)).toBe(true);
    expect(got.slice(100)).toEqual([...Array(10).keys()].map((i) => i + 100));
    expect(a.stats.connects).toBe(2);
  });

  it('a clean close flushes what was already written to an open connection', async () => {
    const b = pair();
    const bPort = await b.start();
    let got = 0;
    b.onFrame(() => got++);
    const a = pair();
    a.send('b', '127.0.0.1', bPort, Buffer.from('hello'));
    expect(await waitFor(() => a.openConnections() === 1)).toBe(true);
    for (let i = 0; i < 2_000; i++) a.send('b', '127.0.0.1', bPort, Buffer.alloc(1_000, i));
    await a.close();
    expect(await waitFor(() => got === 2_001)).toBe(true);
    a.send('b', '127.0.0.1', bPort, Buffer.from('after close')); // ignored, no throw
  });

  it('bounds the queue of an unreachable peer and gives up after maxConnectAttempts', async () => {
    const probe = pair();
    const deadPort = await probe.start();
    await probe.close(); // nothing listens there now
    const a = pair({ maxQueueFrames: 5, maxConnectAttempts: 3 });
    for (let i = 0; i < 8; i++) a.send('x', '127.0.0.1', deadPort, Buffer.from([i]));
    expect(a.stats.droppedQueueFull).toBe(3);
    expect(await waitFor(() => a.stats.droppedUnreachable === 5)).toBe(true);
    expect(a.stats.connectFailures).toBe(3);
  });

  it('a receiver closes a connection that sends an over-limit frame; with a key, unauthenticated frames', async () => {
    const key = parseKey(generateKey());
    const b = pair({ maxFrameBytes: 100, keyring: Keyring.from(key) });
    const bPort = await b.start();
    const got: Buffer[] = [];
    b.onFrame((p) => got.push(p));
    const sendRaw = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: bPort }, () => s.write(bytes));
        s.on('error', () => {});
        s.on('close', () => resolve());
        setTimeout(() => s.destroy(), 2_000); // bound: never wait longer
      });
    await sendRaw(buildFrame(Buffer.alloc(500)));
    expect(b.stats.badFrames).toBe(1);
    await sendRaw(buildFrame(Buffer.from('not sealed at all')));
    expect(b.stats.droppedBadAuth).toBe(1);
    const a = pair({ keyring: Keyring.from(key) });
    a.send('b', '127.0.0.1', bPort, Buffer.from('sealed ok'));
    expect(await waitFor(() => got.length === 1)).toBe(true);
    expect(got[0]!.toString()).toBe('sealed ok');
    const big = pair({ keyring: Keyring.from(key), maxFrameBytes: 50 });
    big.send('b', '127.0.0.1', bPort, Buffer.alloc(60));
    expect(big.stats.droppedOversize).toBe(1);
  });
});

describe('clock and peer book', () => {
  it('timers never fire before their delay on our clock, and cancelled ones never fire', async () => {
    const clock = new RealClock();
    const early: number[] = [];
    let fired = 0;
    for (const d of [0, 300, 1_500, 4_000, 9_999]) {
      const t0 = clock.now();
      clock.after(d, () => {
        fired++;
        if (clock.now() - t0 < d) early.push(d);
      });
    }
    let cancelledRan = false;
    clock.after(ms(1), () => (cancelledRan = true)).cancel();
    expect(await waitFor(() => fired === 5)).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(early).toEqual([]);
    expect(cancelledRan).toBe(false);
    expect(Number.isInteger(clock.now())).toBe(true);
  });

  it('peer book notifies changes and ignores no-op updates', () => {
    const book = new PeerBook({ n1: { host: '127.0.0.1', udpPort: 1, tcpPort: 2 } });
    const seen: string[] = [];
    book.onChange((id, addr) => seen.push(`${id}:${addr ? addr.tcpPort : '-'}`));
    book.set('n1', { host: '127.0.0.1', udpPort: 1, tcpPort: 2 });
    book.set('n1', { host: '127.0.0.1', udpPort: 1, tcpPort: 3 });
    book.set('n2', { host: '127.0.0.1', udpPort: 4, tcpPort: 5 });
    book.remove('n1');
    expect(seen).toEqual(['n1:3', 'n2:5', 'n1:-']);
    expect(book.ids()).toEqual(['n2']);
  });

  it('address cards round-trip and bad ones are refused', () => {
    const a = { host: '10.0.0.7', udpPort: 8301, tcpPort: 8300 };
    expect(addressFromCard(addressCard(a))).toEqual(a);
    expect(addressFromCard({ host: '10.0.0.7', udp: '8301' })).toBeUndefined();
    expect(addressFromCard({ host: '', udp: '1', tcp: '2' })).toBeUndefined();
    expect(addressFromCard({ host: 'h', udp: '70000', tcp: '2' })).toBeUndefined();
  });
});
