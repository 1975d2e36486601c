/**
 * FileStorage.syncAsync: the fsync runs on libuv's thread pool, appends made meanwhile share the
 * next fsync (group commit), callers are told in order and never inside the call, and what a
 * caller was told is durable survives the process.
 */
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { applyLogOp } from './log-model.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';

afterAll(removeDirs);

/** Resolves once `pred` holds, polling the event loop (bounded: 10,000 turns of 1 ms). */
async function until(pred: () => boolean): Promise<void> {
  for (let k = 0; k < 10_000 && !pred(); k++) await new Promise((r) => setTimeout(r, 1));
  expect(pred()).toBe(true);
}

describe('FileStorage.syncAsync', () => {
  it('tells its callers in order, never inside the call, and what they were told survives the process', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['a']);
    s.sync(); // the segment exists: later appends take the asynchronous path
    const told: number[] = [];
    for (let i = 0; i < 50; i++) {
      s.append([`r${i}`]);
      s.syncAsync!(() => told.push(i));
    }
    expect(told).toEqual([]);
    await until(() => told.length === 50);
    expect(told).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Group commit: 50 callers, fewer fsyncs (the first runs while the others append).
    expect(s.stats.fsyncs).toBeLessThan(50);
    s.abandon(); // a crash: nothing more is written or fsynced
    const r = FileStorage.open(dir);
    expect(r.last()).toBe(51);
    expect(r.get(51)).toBe('r49');
    r.close();
  });

  it('a truncation or a new segment take the synchronous path, which covers earlier async writes (and a state value staged with them)', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir, { segmentBytes: 100 });
    s.append(['a', 'b', 'c']);
    s.sync();
    const told: string[] = [];
    s.append(['d']);
    s.syncAsync!(() => told.push('d'));
    s.truncateFrom(3);
    s.append(['C', 'D']);
    s.save('hs', { term: 2 });
    s.syncAsync!(() => told.push('CD'));
    for (let i = 0; i < 20; i++) s.append([`x${i}`.padEnd(30, '.')]); // rolls segments
    s.syncAsync!(() => told.push('x'));
    expect(told).toEqual([]);
    await until(() => told.length === 3);
    expect(told).toEqual(['d', 'CD', 'x']);
    s.abandon();
    const r = FileStorage.open(dir);
    expect(r.slice(1, 5)).toEqual(['a', 'b', 'C', 'D']);
    expect(r.last()).toBe(24);
    expect(r.load('hs')).toEqual({ term: 2 });
    r.close();
  });

  it('a state value alone goes the asynchronous way: told later, durable once told; a crash before keeps the old or the new value', async () => {
    const setup = () => {
      const dir = freshDir();
      const s = FileStorage.open(dir);
      s.append(['a']);
      s.save('mark', 1);
      s.sync();
      s.append(['b']);
      s.save('mark', 2);
      let told = false;
      s.syncAsync!(() => (told = true));
      expect(told).toBe(false);
      return { dir, s, told: () => told };
    };
    // A crash before the caller is told (the page cache survives a process).
    const c = setup();
    c.s.abandon();
    const early = FileStorage.open(c.dir);
    expect([1, 2]).toContain(early.load('mark'));
    expect(early.slice(1, 3)).toEqual(['a', 'b']); // log bytes were written at once
    early.close();
    // Told: durable.
    const t = setup();
    await until(t.told);
    t.s.abandon();
    const r = FileStorage.open(t.dir);
    expect(r.load('mark')).toBe(2);
    expect(r.slice(1, 3)).toEqual(['a', 'b']);
    r.close();
  });

  it('a second state value while the first batch runs takes the synchronous path, and the values keep their order', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir);
    s.append(['a']);
    s.sync();
    const told: number[] = [];
    for (let v = 1; v <= 5; v++) {
      s.save('mark', v);
      s.syncAsync!(() => told.push(v));
    }
    await until(() => told.length === 5);
    expect(told).toEqual([1, 2, 3, 4, 5]);
    s.abandon();
    const r = FileStorage.open(dir);
    expect(r.load('mark')).toBe(5);
    r.close();
  });

  it('a big value (a snapshot) is written in chunks on the thread pool, and a small batch of another key runs beside it', async () => {
    const dir = freshDir();
    const s = FileStorage.open(dir, { asyncWriteMinBytes: 1000, writeChunkBytes: 4096 });
    s.append(['a']);
    s.sync();
    const syncs = s.stats.syncs;
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const told: string[] = [];
    s.save('snap', big);
    s.syncAsync!(() => told.push('snap'));
    s.save('mark', 7);
    s.syncAsync!(() => told.push('mark'));
    expect(s.stats.syncs).toBe(syncs); // neither took the synchronous path
    await until(() => told.length === 2);
    expect(told).toEqual(['snap', 'mark']);
    s.abandon();
    const r = FileStorage.open(dir);
    expect(Buffer.from(r.load<Uint8Array>('snap')!).equals(Buffer.from(big))).toBe(true);
    expect(r.load('mark')).toBe(7);
    r.close();
  });

  for (const withBase of [true, false]) {
    it(`a compaction goes the asynchronous way${withBase ? ' (after the state batch saved with it)' : ''}: a crash before the caller is told keeps the whole log, once told the log starts after it`, async () => {
      const setup = () => {
        const dir = freshDir();
        const s = FileStorage.open(dir, { segmentBytes: 100 });
        s.append(Array.from({ length: 20 }, (_, i) => ({ i })));
        s.sync();
        const segments = readdirSync(join(dir, 'log')).filter((f) => f.endsWith('.seg')).length;
        expect(segments).toBeGreaterThan(2);
        const syncs = s.stats.syncs;
        if (withBase) s.save('base', 15);
        s.compactTo(15);
        let told = false;
        s.syncAsync!(() => (told = true));
        expect(s.stats.syncs).toBe(syncs); // not the synchronous path
        return { dir, s, segments, told: () => told };
      };
      // A crash before: no segment was deleted ahead of the durable compaction point.
      const c = setup();
      c.s.abandon();
      const early = FileStorage.open(c.dir, { segmentBytes: 100 });
      expect(early.recovery.cuts).toEqual([]);
      expect(early.first()).toBe(1);
      expect(early.slice(1, 21)).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
      early.close();
      const t = setup();
      await until(t.told);
      // The segments wholly before the compaction point are gone (all but the active one).
      expect(readdirSync(join(t.dir, 'log')).filter((f) => f.endsWith('.seg')).length).toBeLessThan(t.segments);
      t.s.abandon();
      const r = FileStorage.open(t.dir, { segmentBytes: 100 });
      expect(r.first()).toBe(16);
      if (withBase) expect(r.load('base')).toBe(15);
      expect(r.slice(16, 21)).toEqual(Array.from({ length: 5 }, (_, i) => ({ i: i + 15 })));
      r.close();
    });
  }

  it('a caller with nothing new to write is told on a later turn', async () => {
    const s = FileStorage.open(freshDir());
    let told = false;
    s.syncAsync!(() => (told = true));
    expect(told).toBe(false);
    await until(() => told);
    s.close();
  });
});

type Op =
  | { op: 'append'; n: number }
  | { op: 'truncate'; back: number }
  | { op: 'compact'; ahead: number }
  | { op: 'save'; value: number }
  | { op: 'saveBig'; value: number; bytes: number }
  | { op: 'syncAsync' }
  | { op: 'sync' }
  | { op: 'tick' }
  | { op: 'crash' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), ahead: fc.integer({ min: -2, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('save' as const), value: fc.integer() }) },
  // A value written in chunks on the thread pool (over asyncWriteMinBytes below), like a Raft snapshot.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('saveBig' as const), value: fc.integer({ min: 0, max: 255 }), bytes: fc.integer({ min: 0, max: 3000 }) }) },
  { weight: 5, arbitrary: fc.constant({ op: 'syncAsync' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sync' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
);

interface Model {
  first: number;
  records: unknown[];
  hs: number | undefined;
  /** A big value, compared by content (a Uint8Array of `bytes` bytes, all `value`). */
  big: string | undefined;
}
const clone = (m: Model): Model => ({ first: m.first, records: [...m.records], hs: m.hs, big: m.big });
const bigOf = (v: unknown): string | undefined => (v === undefined ? undefined : Buffer.from(v as Uint8Array).toString('hex'));
const view = (s: FileStorage): Model => ({ first: s.first(), records: s.slice(s.first(), s.last() + 1), hs: s.load<number>('hs'), big: bigOf(s.load('big')) });
/** Small thresholds, so the big values take several chunks. */
const OPTS = { asyncWriteMinBytes: 100, writeChunkBytes: 256 };

describe('FileStorage.syncAsync against a model', () => {
  it('any mix of mutations, syncs, async syncs, turns of the event loop and crashes: callbacks in order, a crash keeps what was written', async () => {
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 150, max: 400 }), async (ops, segmentBytes) => {
        const dir = freshDir('aprop');
        let s = FileStorage.open(dir, { segmentBytes, ...OPTS });
        let m: Model = { first: 1, records: [], hs: undefined, big: undefined };
        // A process crash keeps what reached the page cache: sync and syncAsync both write at once.
        let written = clone(m);
        // State values (hs) staged by syncAsync are renamed only after their fsync: until the caller
        // is told, a crash may keep the value durable before (hsSure) instead of the staged one.
        let hsSure: number | undefined = undefined;
        let bigSure: string | undefined = undefined;
        // The values staged by syncAsync calls not yet told: a crash may keep any of them (a call
        // that took the synchronous path made its values durable before telling).
        let untold: { seq: number; hs: number | undefined; big: string | undefined }[] = [];
        // A compaction staged by syncAsync is durable once told: a crash before may keep more log.
        let firstSure = 1;
        let asked = 0;
        let told = 0;
        let incarnation = 0;
        for (const o of ops) {
          switch (o.op) {
            case 'append':
            case 'truncate':
            case 'compact':
              applyLogOp(s, m, o, () => ({ v: counter++ }));
              break;
            case 'save':
              s.save('hs', o.value);
              m.hs = o.value;
              break;
            case 'saveBig': {
              const v = new Uint8Array(o.bytes).fill(o.value);
              s.save('big', v);
              m.big = bigOf(v);
              break;
            }
            case 'syncAsync': {
              const seq = ++asked;
              const inc = incarnation;
              const hsAtCall = m.hs;
              const bigAtCall = m.big;
              untold.push({ seq, hs: m.hs, big: m.big });
              const firstAtCall = m.first;
              s.syncAsync!(() => {
                expect(inc).toBe(incarnation); // an abandoned storage tells nobody
                expect(seq).toBe(told + 1); // in call order
                told = seq;
                hsSure = hsAtCall;
                bigSure = bigAtCall;
                untold = untold.filter((u) => u.seq > seq);
                firstSure = firstAtCall;
              });
              written = clone(m);
              break;
            }
            case 'sync':
              s.sync();
              written = clone(m);
              hsSure = m.hs;
              bigSure = m.big;
              firstSure = m.first;
              untold = [];
              break;
            case 'tick':
              await new Promise((r) => setImmediate(r));
              break;
            case 'crash':
              s.abandon();
              incarnation++;
              told = asked; // what was not told never will be
              m = clone(written);
              s = FileStorage.open(dir, { segmentBytes, ...OPTS });
              expect(s.recovery.cuts).toEqual([]);
              // The log starts at a compaction point told durable or a later one written since.
              expect(s.first()).toBeGreaterThanOrEqual(Math.min(firstSure, written.first));
              expect(s.first()).toBeLessThanOrEqual(written.first);
              if (s.first() < written.first) {
                expect(s.slice(written.first, s.last() + 1)).toEqual(written.records);
                s.compactTo(written.first - 1); // back in step with the model
                s.sync();
              }
              firstSure = written.first;
              expect([hsSure, written.hs, ...untold.map((u) => u.hs)]).toContain(s.load<number>('hs'));
              expect([bigSure, written.big, ...untold.map((u) => u.big)]).toContain(bigOf(s.load('big')));
              untold = [];
              m.hs = s.load<number>('hs');
              written.hs = m.hs;
              hsSure = m.hs;
              m.big = bigOf(s.load('big'));
              written.big = m.big;
              bigSure = m.big;
              break;
          }
          expect(view(s)).toEqual(m);
        }
        await until(() => told === asked);
        s.abandon();
        const r = FileStorage.open(dir, { segmentBytes, ...OPTS });
        expect(view(r)).toEqual(written);
        r.close();
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 40) },
    );
  }, 120_000);
});
