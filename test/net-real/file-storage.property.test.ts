// FileStorage against a plain model: any sequence of mutations, syncs, clean reopens and
// crashes (abandon) leaves exactly the model's state as of the last sync.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { MemoryStorage } from '../../src/host/memory-storage.ts';
import { applyLogOp } from './log-model.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';

afterAll(removeDirs);

interface Model {
  first: number;
  records: unknown[];
  state: Map<string, unknown>;
}
const clone = (m: Model): Model => ({ first: m.first, records: [...m.records], state: new Map(m.state) });

type Op =
  | { op: 'append'; n: number }
  | { op: 'truncate'; back: number }
  | { op: 'compact'; ahead: number }
  | { op: 'save'; key: string; value: number }
  | { op: 'remove'; key: string }
  | { op: 'sync' }
  | { op: 'reopen' }
  | { op: 'crash' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), ahead: fc.integer({ min: -2, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('save' as const), key: fc.constantFrom('term', 'vote', 'a/b'), value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), key: fc.constantFrom('term', 'vote', 'a/b') }) },
  { weight: 3, arbitrary: fc.constant({ op: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
);

function check(s: FileStorage, m: Model): void {
  expect(s.first()).toBe(m.first);
  expect(s.last()).toBe(m.first + m.records.length - 1);
  expect(s.slice(s.first(), s.last() + 1)).toEqual(m.records);
  for (const k of ['term', 'vote', 'a/b']) expect(s.load(k)).toEqual(m.state.get(k));
}

it('matches the model through syncs, reopens and crashes', () => {
  let counter = 0;
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 120, max: 400 }), (ops, segmentBytes) => {
      const dir = freshDir('prop');
      let s = FileStorage.open(dir, { segmentBytes });
      let m: Model = { first: 1, records: [], state: new Map() };
      let synced = clone(m);
      for (const o of ops) {
        switch (o.op) {
          case 'append':
          case 'truncate':
          case 'compact':
            applyLogOp(s, m, o, () => ({ v: counter++, pad: 'p'.repeat(counter % 30) }));
            break;
          case 'save':
            s.save(o.key, o.value);
            m.state.set(o.key, o.value);
            break;
          case 'remove':
            s.remove(o.key);
            m.state.delete(o.key);
            break;
          case 'sync':
            s.sync();
            synced = clone(m);
            break;
          case 'reopen':
            s.close();
            synced = clone(m);
            s = FileStorage.open(dir, { segmentBytes });
            expect(s.recovery.cuts).toEqual([]);
            break;
          case 'crash':
            s.abandon();
            m = clone(synced);
            s = FileStorage.open(dir, { segmentBytes });
            expect(s.recovery.cuts).toEqual([]);
            break;
        }
        check(s, m);
      }
      s.abandon();
    }),
    { numRuns: 60 },
  );
});

it('reads exactly like the MemoryStorage of --dev mode and the simulator, op for op', () => {
  fc.assert(
    fc.property(fc.array(opArb.filter((o) => o.op !== 'crash' && o.op !== 'reopen'), { minLength: 1, maxLength: 60 }), (ops) => {
      const file = FileStorage.open(freshDir('conf'), { segmentBytes: 200 });
      const mem = new MemoryStorage();
      let v = 0;
      for (const o of ops) {
        for (const s of [file, mem]) {
          const last = s.last();
          switch (o.op) {
            case 'append':
              s.append(Array.from({ length: o.n }, (_, k) => ({ v: v + k })));
              break;
            case 'truncate':
              s.truncateFrom(Math.max(s.first(), last + 1 - o.back));
              break;
            case 'compact':
              s.compactTo(last + o.ahead - 3);
              break;
            case 'save':
              s.save(o.key, { value: o.value });
              break;
            case 'remove':
              s.remove(o.key);
              break;
            case 'sync':
              s.sync();
              break;
          }
        }
        if (o.op === 'append') v += o.n;
        expect([file.first(), file.last()]).toEqual([mem.first(), mem.last()]);
        expect(file.slice(file.first(), file.last() + 1)).toEqual(mem.slice(mem.first(), mem.last() + 1));
        for (const k of ['term', 'vote', 'a/b']) expect(file.load(k)).toEqual(mem.load(k));
      }
      file.abandon();
    }),
    { numRuns: 40 },
  );
});
