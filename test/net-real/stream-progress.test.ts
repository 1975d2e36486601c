// A stream whose peer stops acknowledging is redialed (src/net-real/stream-progress.ts): the
// counters alone, and the TCP transport against a raw peer that acknowledges, then goes quiet.
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ms } from '../../src/core/env.ts';
import { TcpTransport } from '../../src/net-real/index.ts';
import { AckTracker, FrameCounter } from '../../src/net-real/stream-progress.ts';
import { FrameReader } from '../../src/net-real/frame-reader.ts';
import { eventually as waitFor } from '../support/patience.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

const count = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

describe('AckTracker', () => {
  it('is stalled only when frames are outstanding, the peer acknowledges, and the count has not moved for the timeout', () => {
    let now = 0;
    const t = new AckTracker(() => now);
    t.wrote(3);
    now = 10_000;
    expect(t.stalled(1_000)).toBe(false); // this peer has never acknowledged: an older version
    expect(t.read(count(1))).toBe(1);
    now = 10_500;
    expect(t.stalled(1_000)).toBe(false);
    now = 11_001;
    expect(t.stalled(1_000)).toBe(true);
    expect(t.read(count(3))).toBe(2); // everything acknowledged: nothing outstanding
    now = 20_000;
    expect(t.stalled(1_000)).toBe(false);
    t.wrote(1); // outstanding again: the clock starts at the write, not at the last ack
    now = 20_900;
    expect(t.stalled(1_000)).toBe(false);
    now = 21_100;
    expect(t.stalled(1_000)).toBe(true);
  });

  it('takes counts split across reads and refuses a count beyond what was written', () => {
    const t = new AckTracker(() => 0);
    t.wrote(5);
    const two = Buffer.concat([count(2), count(4)]);
    expect(t.read(two.subarray(0, 3))).toBe(0);
    expect(t.read(two.subarray(3, 7))).toBe(2);
    expect(t.read(two.subarray(7))).toBe(2);
    expect(t.read(count(6))).toBe(-1);
  });

  it('counts modulo 2^32 like the receiver', () => {
    let now = 0;
    const t = new AckTracker(() => now);
    t.wrote(2 ** 32 + 2);
    expect(t.read(count(2 ** 32 - 1))).toBe(2 ** 32 - 1);
    expect(t.read(count(1))).toBe(2); // wrapped: 2^32 + 1 acknowledged
    expect(t.read(count(3))).toBe(-1); // 2^32 + 3 > written
    now = 5_000;
    expect(t.stalled(1_000)).toBe(true); // one frame still outstanding
  });
});

describe('FrameCounter', () => {
  it('writes the count at once, then at most once an interval, with a trailing write for the rest', async () => {
    const acks: number[] = [];
    const c = new FrameCounter((b) => acks.push(b.readUInt32BE(0)));
    closers.push(() => c.close());
    c.frames(1);
    c.frames(2);
    c.frames(3);
    expect(acks).toEqual([1]);
    expect(await waitFor(() => acks.length === 2)).toBe(true);
    expect(acks).toEqual([1, 6]);
  });
});

describe('TCP transport stall detection', () => {
  /** A raw peer: reads frames, acknowledges the first `ackFirst` of each connection, then stays silent. */
  async function rawPeer(ackFirst: number, badAck = false) {
    const conns: Socket[] = [];
    const frames: number[] = [];
    const server = createServer((s) => {
      conns.push(s);
      const id = conns.length;
      const reader = new FrameReader(1 << 20);
      let read = 0;
      s.on('error', () => {});
      s.on('data', (chunk) => {
        for (const f of reader.push(chunk)) {
          frames.push(id * 1000 + f.readUInt32BE(0));
          read++;
          if (read <= ackFirst) s.write(count(badAck ? read + 10 : read));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    closers.push(
      () =>
        new Promise<void>((r) => {
          for (const s of conns) s.destroy();
          server.close(() => r());
        }),
    );
    return { port, conns, frames };
  }

  function sender(stallMs: number) {
    const a = new TcpTransport({ host: '127.0.0.1', port: 0, backoffMinUs: ms(10), backoffMaxUs: ms(50), stallTimeoutUs: ms(stallMs) });
    closers.push(() => a.close());
    return a;
  }

  const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

  it('redials a peer that acknowledged once and then stopped, and the frame goes on the new connection', async () => {
    const peer = await rawPeer(1);
    const a = sender(200);
    a.send('b', '127.0.0.1', peer.port, count(1));
    expect(await waitFor(() => a.stats.framesAcked === 1)).toBe(true);
    a.send('b', '127.0.0.1', peer.port, count(2)); // outstanding from now on
    await sleep(400);
    a.send('b', '127.0.0.1', peer.port, count(3));
    expect(await waitFor(() => peer.frames.includes(2003))).toBe(true);
    expect(a.stats.stalls).toBe(1);
    expect(peer.conns.length).toBe(2);
    expect(peer.frames).toEqual([1001, 1002, 2003]);
  });

  it('never declares a peer that does not acknowledge (an older version) stalled', async () => {
    const peer = await rawPeer(0);
    const a = sender(100);
    a.send('b', '127.0.0.1', peer.port, count(1));
    expect(await waitFor(() => peer.frames.length === 1)).toBe(true);
    await sleep(300);
    a.send('b', '127.0.0.1', peer.port, count(2));
    expect(await waitFor(() => peer.frames.length === 2)).toBe(true);
    expect(a.stats.stalls).toBe(0);
    expect(peer.conns.length).toBe(1);
  });

  it('closes a connection whose peer acknowledges frames never written', async () => {
    const peer = await rawPeer(1, true);
    const a = sender(1_000);
    a.send('b', '127.0.0.1', peer.port, count(1));
    expect(await waitFor(() => a.stats.badAcks === 1)).toBe(true);
    a.send('b', '127.0.0.1', peer.port, count(2));
    expect(await waitFor(() => peer.conns.length === 2 && peer.frames.includes(2002))).toBe(true);
  });

  it('between two transports, a quiet but live peer is not stalled however long the pause', async () => {
    const b = new TcpTransport({ host: '127.0.0.1', port: 0 });
    closers.push(() => b.close());
    const port = await b.start();
    let got = 0;
    b.onFrame(() => got++);
    const a = sender(1_000);
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 50; i++) a.send('b', '127.0.0.1', port, count(i));
      expect(await waitFor(() => got === 50 * round && a.stats.framesAcked === 50 * round)).toBe(true);
      await sleep(1_200); // > the stall timeout: only outstanding frames count
    }
    expect(a.stats.stalls).toBe(0);
    expect(a.stats.connects).toBe(1);
  });
});
