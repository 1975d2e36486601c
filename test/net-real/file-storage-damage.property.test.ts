// Damage anywhere in a synced segment (a cut at any byte, or any flipped byte): reopening
// yields exactly a prefix of what was written, never a damaged or invented record, and the
// damage is reported and removed from disk.
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { readRecord } from '../../src/net-real/record-format.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';

afterAll(removeDirs);

const K = 12;
const records = Array.from({ length: K }, (_, i) => ({ i, body: `entry-${i}-${'z'.repeat(i * 3)}` }));

function written(): { dir: string; seg: string; ends: number[]; headerEnd: number } {
  const dir = freshDir('dmg');
  const s = FileStorage.open(dir);
  s.append(records);
  s.close(); // one sync: a group commit of all K records
  const seg = join(dir, 'log', readdirSync(join(dir, 'log')).find((n) => n.endsWith('.seg'))!);
  // Where each record ends, read with the same framing the storage uses.
  const buf = readFileSync(seg);
  const head = readRecord(buf, 0);
  expect(head.ok).toBe(true);
  const ends: number[] = [];
  for (let at = head.ok ? head.next : 0; at < buf.length; ) {
    const r = readRecord(buf, at);
    expect(r.ok).toBe(true);
    at = r.ok ? r.next : buf.length;
    ends.push(at);
  }
  expect(ends).toHaveLength(K);
  return { dir, seg, ends, headerEnd: head.ok ? head.next : 0 };
}

function reopened(dir: string): { got: unknown[]; cuts: number } {
  const s = FileStorage.open(dir);
  const got = s.slice(s.first(), s.last() + 1);
  const cuts = s.recovery.cuts.length;
  s.abandon();
  // A second open finds nothing more to cut: the first one repaired the disk.
  const again = FileStorage.open(dir);
  expect(again.recovery.cuts).toEqual([]);
  expect(again.slice(again.first(), again.last() + 1)).toEqual(got);
  again.abandon();
  return { got, cuts };
}

it('a cut at any byte leaves exactly the whole records before it', () => {
  fc.assert(
    fc.property(fc.nat(), (seed) => {
      const { dir, seg, ends, headerEnd } = written();
      const at = seed % ends[K - 1]!;
      truncateSync(seg, at);
      const { got, cuts } = reopened(dir);
      const whole = at < headerEnd ? 0 : ends.filter((e) => e <= at).length;
      expect(got).toEqual(records.slice(0, whole));
      const atBoundary = at === headerEnd || ends.includes(at);
      expect(cuts).toBe(atBoundary ? 0 : 1);
    }),
    { numRuns: 40 },
  );
});

it('a flipped byte anywhere is detected: the records before it survive, nothing after it', () => {
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (seed, mask) => {
      const { dir, seg, ends, headerEnd } = written();
      const buf = readFileSync(seg);
      const at = seed % buf.length;
      buf[at]! ^= mask;
      writeFileSync(seg, buf);
      const { got, cuts } = reopened(dir);
      const intact = at < headerEnd ? 0 : ends.filter((e) => e <= at).length;
      expect(got).toEqual(records.slice(0, intact));
      expect(cuts).toBeGreaterThanOrEqual(1);
    }),
    { numRuns: 40 },
  );
});
