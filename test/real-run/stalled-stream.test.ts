// The fault that found the ~5 s leader gap after raft-partitions healed for real: an nft drop rule
// between two loopback addresses, with frames still being sent across it. An established TCP
// connection never fails under a drop rule (the kernel retransmits with a doubling timeout), so a
// transport that only redials on errors sits out that backoff after the heal. The transport must
// notice the peer stopped acknowledging and redial (src/net-real/stream-progress.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { ms } from '../../src/core/env.ts';
import { TcpTransport } from '../../src/net-real/index.ts';
import { addressBlock } from '../../src/real-run/address-block.ts';
import { NftTable, listOurTables, nftUnavailable } from '../../src/real-run/nft.ts';
import { eventually as waitFor } from '../support/patience.ts';

const why = nftUnavailable();
if (why) console.warn(`test/real-run/stalled-stream skipped: ${why}`);

const closers: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  expect(listOurTables()).toEqual([]);
});

describe.skipIf(why !== undefined)('a stream cut by a drop rule', () => {
  it('is redialed once the peer stops acknowledging, and the frames sent after the heal arrive', async () => {
    const block = addressBlock();
    const [hostA, hostB] = [`127.${block}.0.201`, `127.${block}.0.202`];
    const nft = new NftTable();
    nft.create();
    closers.push(() => nft.delete());
    const b = new TcpTransport({ host: hostB, port: 0 });
    closers.push(() => b.close());
    const port = await b.start();
    const got: number[] = [];
    b.onFrame((p) => got.push(p.readUInt32BE(0)));
    const a = new TcpTransport({ host: hostA, port: 0, stallTimeoutUs: ms(500) });
    closers.push(() => a.close());
    const frame = (n: number): Buffer => {
      const x = Buffer.alloc(4);
      x.writeUInt32BE(n, 0);
      return x;
    };
    a.send('b', hostB, port, frame(0));
    expect(await waitFor(() => got.length === 1 && a.stats.framesAcked >= 1)).toBe(true);

    nft.setCuts([{ from: hostA, to: hostB }, { from: hostB, to: hostA }]);
    // Keep sending across the cut for a while, as a Raft leader's heartbeats do (bounded: 20 frames).
    for (let i = 1; i <= 20; i++) {
      a.send('b', hostB, port, frame(i));
      await new Promise((r) => setTimeout(r, 100));
    }
    nft.setCuts([]);
    a.send('b', hostB, port, frame(1000));
    expect(await waitFor(() => got.includes(1000))).toBe(true);
    expect(a.stats.stalls).toBeGreaterThanOrEqual(1);
  });
});
