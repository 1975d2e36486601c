import { appendFileSync, copyFileSync, cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { CorruptStateError } from '../../src/net-real/state-files.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';
import { flipByte } from '../support/bytes.ts';

afterAll(removeDirs);

function segFiles(dir: string): string[] {
  return readdirSync(join(dir, 'log')).filter((n) => n.endsWith('.seg')).sort();
}
function all(s: FileStorage): unknown[] {
  return s.slice(s.first(), s.last() + 1);
}

describe('FileStorage: durability', () => {
  it('keeps synced appends and state values across a reopen', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    expect([s.first(), s.last()]).toEqual([1, 0]);
    s.append([{ term: 1, cmd: 'a' }, { term: 1, cmd: 'b' }]);
    s.save('hard', { term: 3, vote: 'n2' });
    s.save('odd key/ü', [1, 2]);
    s.sync();
    s.append([{ term: 2, cmd: 'c' }]);
    s.close(); // close syncs
    const r = FileStorage.open(dir);
    expect(r.recovery.cuts).toEqual([]);
    expect(all(r)).toEqual([{ term: 1, cmd: 'a' }, { term: 1, cmd: 'b' }, { term: 2, cmd: 'c' }]);
    expect(r.load('hard')).toEqual({ term: 3, vote: 'n2' });
    expect(r.load('odd key/ü')).toEqual([1, 2]);
    expect(r.load('missing')).toBeUndefined();
    r.close();
  });

  it('loses exactly the mutations after the last sync when the process dies', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['a', 'b']);
    s.save('k', 1);
    s.sync();
    s.append(['c']);
    s.save('k', 2);
    s.truncateFrom(1);
    s.abandon();
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual(['a', 'b']);
    expect(r.load('k')).toBe(1);
    r.abandon();
  });

  it('makes truncateFrom and compactTo durable, including a compaction past the end', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['1', '2', '3', '4', '5']);
    s.sync();
    s.truncateFrom(3);
    s.append(['3b', '4b']);
    s.sync();
    s.compactTo(2);
    s.sync();
    s.abandon();
    let r = FileStorage.open(dir);
    expect([r.first(), r.last()]).toEqual([3, 4]);
    expect(all(r)).toEqual(['3b', '4b']);
    r.compactTo(10); // snapshot installed beyond the log
    r.append(['11']);
    r.sync();
    r.abandon();
    r = FileStorage.open(dir);
    expect([r.first(), r.last(), r.get(11)]).toEqual([11, 11, '11']);
    expect(segFiles(dir)).toEqual([`${'11'.padStart(20, '0')}.seg`]);
    r.close();
  });

  it('rolls segments at the size bound and deletes whole segments on compaction', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir, { segmentBytes: 200 });
    for (let i = 1; i <= 60; i++) s.append([{ i, pad: 'x'.repeat(20) }]);
    s.sync();
    const before = segFiles(dir).length;
    expect(before).toBeGreaterThan(5);
    s.compactTo(40);
    s.sync();
    expect(segFiles(dir).length).toBeLessThan(before);
    s.truncateFrom(55);
    s.sync();
    s.abandon();
    const r = FileStorage.open(dir, { segmentBytes: 200 });
    expect([r.first(), r.last()]).toEqual([41, 54]);
    expect((r.get(41) as { i: number }).i).toBe(41);
    expect((r.get(54) as { i: number }).i).toBe(54);
    expect(r.recovery.cuts).toEqual([]);
    r.close();
  });
});

describe('FileStorage: recovery cuts a torn or corrupt tail and never replays it', () => {
  function threeRecords(): { dir: string; seg: string } {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['alpha', 'bravo', 'charlie']);
    s.close();
    return { dir, seg: join(dir, 'log', segFiles(dir)[0]!) };
  }

  it('a record torn mid-payload (crash during write) is cut', () => {
    const { dir, seg } = threeRecords();
    const size = statSync(seg).size;
    truncateSync(seg, size - 3);
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual(['alpha', 'bravo']);
    expect(r.recovery.cuts).toHaveLength(1);
    expect(r.recovery.cuts[0]!.reason).toBe('short-payload');
    expect(r.recovery.cuts[0]!.tail).toBe(true); // what a crash leaves
    expect(statSync(seg).size).toBe(r.recovery.cuts[0]!.offset); // the file was cut there
    r.append(['delta']);
    r.close();
    expect(all(FileStorage.open(dir))).toEqual(['alpha', 'bravo', 'delta']);
  });

  it('a torn header (only a few bytes of the last record) is cut', () => {
    const { dir, seg } = threeRecords();
    appendFileSync(seg, Buffer.from([7, 0, 0])); // 3 bytes of a next header
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(r.recovery.cuts.map((c) => [c.reason, c.bytesCut])).toEqual([['short-header', 3]]);
    r.abandon();
  });

  it('a flipped byte in the last record fails its checksum and is cut', () => {
    const { dir, seg } = threeRecords();
    const buf = readFileSync(seg);
    buf[buf.length - 2]! ^= 0x40;
    writeFileSync(seg, buf);
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual(['alpha', 'bravo']);
    expect(r.recovery.cuts[0]!.reason).toBe('bad-checksum');
    expect(r.recovery.cuts[0]!.tail).toBe(true);
    r.abandon();
  });

  it('a flipped byte in a middle record is cut too, and flagged as damage to synced data (not a torn tail)', () => {
    const { dir, seg } = threeRecords();
    const buf = readFileSync(seg);
    const headerLen = 8 + buf.readUInt32LE(0);
    buf[headerLen + 9]! ^= 0x20; // inside the payload of 'alpha'
    writeFileSync(seg, buf);
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual([]);
    expect(r.recovery.cuts.map((c) => [c.reason, c.tail])).toEqual([['bad-checksum', false]]);
  });

  it('a flipped length field is caught too, and everything after the bad record is cut', () => {
    const { dir, seg } = threeRecords();
    const buf = readFileSync(seg);
    // Find the second record: header record, then 'alpha' record.
    const headerLen = 8 + buf.readUInt32LE(0);
    const second = headerLen + 8 + buf.readUInt32LE(headerLen);
    buf[second]! ^= 0x01; // length of 'bravo'
    writeFileSync(seg, buf);
    const r = FileStorage.open(dir);
    expect(all(r)).toEqual(['alpha']);
    expect(r.recovery.cuts[0]!.offset).toBe(second);
    expect(r.recovery.cuts[0]!.bytesCut).toBe(buf.length - second);
    r.abandon();
  });

  it('segments after a corrupt one are deleted', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir, { segmentBytes: 100 });
    for (let i = 1; i <= 30; i++) s.append([`record-${i}-${'y'.repeat(10)}`]);
    s.close();
    const files = segFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    const victim = join(dir, 'log', files[1]!);
    const buf = readFileSync(victim);
    flipByte(buf, buf.length - 1);
    writeFileSync(victim, buf);
    const r = FileStorage.open(dir, { segmentBytes: 100 });
    expect(r.recovery.cuts.length).toBe(files.length - 1); // the bad tail + every later segment
    expect(segFiles(dir)).toEqual(files.slice(0, 2));
    for (let i = r.first(); i <= r.last(); i++) expect(r.get(i)).toBe(`record-${i}-${'y'.repeat(10)}`);
    expect(r.last()).toBeLessThan(30);
    r.abandon();
  });
});

describe('FileStorage: state files', () => {
  it('sweeps an interrupted atomic write and keeps the old value', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.save('hard', { term: 1 });
    s.compactTo(0);
    s.sync();
    s.close();
    writeFileSync(join(dir, 'state', '.tmp-k-hard'), 'half-written');
    writeFileSync(join(dir, 'log', '.tmp-first'), 'half');
    const r = FileStorage.open(dir);
    expect(r.load('hard')).toEqual({ term: 1 });
    expect(readdirSync(join(dir, 'state'))).toEqual(['k-hard']);
    expect(readdirSync(join(dir, 'log')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    r.close();
  });

  it('a corrupt state file (written atomically, so media corruption) stops the open with a clear error', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.save('hard', { term: 9, vote: 'n3' });
    s.close();
    const f = join(dir, 'state', 'k-hard');
    const buf = readFileSync(f);
    buf[buf.length - 1]! ^= 0x10;
    writeFileSync(f, buf);
    expect(() => FileStorage.open(dir)).toThrow(CorruptStateError);
    expect(() => FileStorage.open(dir)).toThrow(/k-hard is corrupt \(bad-checksum\)/);
  });

  it('removed keys stay removed after a reopen', () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.save('a', 1);
    s.save('b', 2);
    s.sync();
    s.remove('a');
    s.save('c', 3);
    s.remove('c');
    s.close();
    const r = FileStorage.open(dir);
    expect([r.load('a'), r.load('b'), r.load('c')]).toEqual([undefined, 2, undefined]);
    expect(readdirSync(join(dir, 'state'))).toEqual(['k-b']);
    r.close();
  });
});

describe('FileStorage: a crash between the steps of one sync()', () => {
  // Build the on-disk state "sync half done" by running the sync on a copy (A) and carrying
  // only the files its first steps wrote over to the untouched original (B).
  function twin(): { a: string; b: string } {
    const a = freshDir('twinA');
    const s = FileStorage.open(a, { segmentBytes: 150 });
    for (let i = 1; i <= 30; i++) s.append([`r${i}-${'q'.repeat(12)}`]);
    s.close();
    const b = freshDir('twinB');
    cpSync(a, b, { recursive: true });
    return { a, b };
  }
  const open = (d: string) => FileStorage.open(d, { segmentBytes: 150 });

  it('truncation: target segment cut, later segments not yet deleted ⇒ the truncated log', () => {
    const { a, b } = twin();
    const s = open(a);
    s.truncateFrom(7);
    s.close();
    const target = segFiles(a).at(-1)!;
    expect(segFiles(b).length).toBeGreaterThan(segFiles(a).length);
    copyFileSync(join(a, 'log', target), join(b, 'log', target));
    const r = open(b);
    expect([r.first(), r.last()]).toEqual([1, 6]);
    expect(r.recovery.cuts.length).toBeGreaterThan(0);
    expect(r.recovery.cuts.every((c) => c.reason.startsWith('gap') || c.reason === 'after an earlier cut')).toBe(true);
    expect(segFiles(b)).toEqual(segFiles(a));
    r.close();
  });

  it('compaction: point durable, obsolete segments not yet deleted ⇒ they are deleted on open', () => {
    const { a, b } = twin();
    const s = open(a);
    s.compactTo(20);
    s.close();
    copyFileSync(join(a, 'log', 'first'), join(b, 'log', 'first'));
    const r = open(b);
    expect([r.first(), r.last()]).toEqual([21, 30]);
    expect(r.recovery.obsoleteDeleted.length).toBeGreaterThan(0);
    expect(r.recovery.cuts).toEqual([]);
    expect(segFiles(b)).toEqual(segFiles(a));
    r.close();
  });

  it('compaction past the end + a new segment, old segments not yet deleted ⇒ only the new log', () => {
    const { a, b } = twin();
    const s = open(a);
    s.compactTo(40);
    s.append(['r41']);
    s.close();
    expect(segFiles(a)).toEqual([`${'41'.padStart(20, '0')}.seg`]);
    copyFileSync(join(a, 'log', 'first'), join(b, 'log', 'first'));
    copyFileSync(join(a, 'log', segFiles(a)[0]!), join(b, 'log', segFiles(a)[0]!));
    const r = open(b);
    expect([r.first(), r.last(), r.get(41)]).toEqual([41, 41, 'r41']);
    expect(r.recovery.cuts).toEqual([]);
    expect(segFiles(b)).toEqual(segFiles(a));
    r.close();
  });

  it('compaction past the end: new segment written but the point not yet durable ⇒ the old log', () => {
    const { a, b } = twin();
    const s = open(a);
    s.compactTo(40);
    s.append(['r41']);
    s.close();
    copyFileSync(join(a, 'log', segFiles(a)[0]!), join(b, 'log', segFiles(a)[0]!));
    const r = open(b);
    expect([r.first(), r.last()]).toEqual([1, 30]);
    expect(r.recovery.cuts.map((c) => c.reason)).toEqual(['gap: segment starts at 41, expected 31']);
    r.close();
  });
});
