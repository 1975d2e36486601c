/**
 * Untrusted bytes at the ZooKeeper port: random frames fed to the jute decoder and to a whole
 * connection never throw anything but JuteError (decoder) or anything at all (connection);
 * a connection that got a bad frame is closed and counted. Encoding round-trips.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientToServer } from '../../src/core/coord/tree/index.ts';
import { ZkConnection, type ConnectionHost } from '../../src/hanode/zk/connection.ts';
import { FrameSplitter, JuteError, JuteReader, JuteWriter, MAX_FRAME_BYTES } from '../../src/hanode/zk/jute.ts';
import { decodeRequest, OP } from '../../src/hanode/zk/ops.ts';

/** Just enough of net.Socket for ZkConnection. */
class FakeSocket extends EventEmitter {
  written: Buffer[] = [];
  destroyed = false;
  ended = false;
  paused = false;
  writable = true;
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  setNoDelay(): void {}
  setTimeout(): void {}
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
  destroy(): void {
    this.destroyed = true;
    this.writable = false;
  }
  end(): void {
    this.ended = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  isPaused(): boolean {
    return this.paused;
  }
}

function harness(openAtOnce: boolean) {
  const sock = new FakeSocket();
  const sent: ClientToServer[] = [];
  let bad = 0;
  let closed = false;
  let conn: ZkConnection;
  const host: ConnectionHost = {
    toCore: (m) => {
      sent.push(m);
      if (openAtOnce && m.type === 'zk.connect') {
        queueMicrotask(() => conn.fromCore({ type: 'zk.connected', cid: m.cid, conn: m.conn, seq: 0, session: '0x5', timeoutUs: 6_000_000, zxid: 5 }));
      }
      return true;
    },
    password: () => Buffer.alloc(16, 7),
    badFrame: () => bad++,
    fourLetterWord: (cmd) => (cmd === 'ruok' ? 'imok' : undefined),
    closed: () => {
      closed = true;
    },
  };
  conn = new ZkConnection(sock as unknown as Socket, 'c1', 1, host);
  return { sock, sent, conn, stats: () => ({ bad, closed }) };
}

function connectFrame(): Buffer {
  return new JuteWriter().int(0).long(0).int(6000).long(0).buffer(Buffer.alloc(16)).frame();
}

const OPS = Object.values(OP);

describe('jute decoding of untrusted bytes', () => {
  it('decodeRequest either decodes or throws JuteError, for any op code and body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...OPS), fc.integer()), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        try {
          decodeRequest(type, new JuteReader(Buffer.from(body)));
        } catch (e) {
          expect(e).toBeInstanceOf(JuteError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('huge lengths and counts are refused before anything is allocated', () => {
    const r = new JuteReader(new JuteWriter().int(0x7fffffff).frame().subarray(4));
    expect(() => r.buffer()).toThrow(JuteError);
    const v = new JuteReader(new JuteWriter().int(0x7fffffff).frame().subarray(4));
    expect(() => v.strings()).toThrow(JuteError);
    const m = new JuteReader(new JuteWriter().int(-5).frame().subarray(4));
    expect(() => m.buffer()).toThrow(JuteError);
  });

  it('frames split anywhere reassemble; a bad length is a JuteError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => new JuteWriter().buffer(Buffer.from(p)).frame()));
        const fs = new FrameSplitter();
        const got: Buffer[] = [];
        let off = 0;
        for (let i = 0; off < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          got.push(...fs.push(stream.subarray(off, off + n)));
          off += n;
        }
        expect(got.map((g) => new JuteReader(g).buffer()!.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(fs.buffered()).toBe(0);
      }),
    );
    expect(() => new FrameSplitter().push(new JuteWriter().int(MAX_FRAME_BYTES + 1).frame().subarray(4))).toThrow(JuteError);
  });

  it('writer and reader round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), fc.option(fc.string()), fc.array(fc.string(), { maxLength: 5 }), (i, l, b, s, v) => {
        const r = new JuteReader(new JuteWriter().int(i).long(l).bool(b).ustring(s).strings(v).frame().subarray(4));
        expect([r.int(), r.long(), r.bool(), r.ustring(), r.strings(), r.remaining()]).toEqual([i, l, b, s, v, 0]);
      }),
    );
  });
});

describe('a connection fed random bytes', () => {
  it('never throws; a bad frame closes it and is counted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (handshakeFirst, chunks) => {
        const h = harness(true);
        if (handshakeFirst) {
          h.sock.emit('data', connectFrame());
          await Promise.resolve();
        }
        for (const c of chunks) h.sock.emit('data', Buffer.from(c));
        await Promise.resolve();
        const { bad, closed } = h.stats();
        if (bad > 0) expect(closed && h.sock.destroyed).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('random well-framed request bodies after a handshake never throw, and close the connection only with a count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer(), fc.constantFrom(...OPS), fc.uint8Array({ maxLength: 80 })), { maxLength: 10 }), async (reqs) => {
        const h = harness(true);
        h.sock.emit('data', connectFrame());
        await Promise.resolve();
        await Promise.resolve();
        for (const [xid, type, body] of reqs) h.sock.emit('data', new JuteWriter().int(xid).int(type).raw(Buffer.from(body)).frame());
        // The fake core never answers a close, so only a bad frame can have closed it.
        const { bad, closed } = h.stats();
        expect(closed).toBe(bad > 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('a negative frame length closes the connection and counts one bad frame', () => {
    const h = harness(true);
    h.sock.emit('data', Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(h.stats()).toEqual({ bad: 1, closed: true });
  });
});
