import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, NEAR_SPAN_US } from '../../src/sim/event-queue.ts';

interface Ev {
  time: number;
  seq: number;
  cancelled: boolean;
  inHeap: boolean;
  id: number;
}
const ev = (time: number, id: number): Ev => ({ time, seq: 0, cancelled: false, inHeap: false, id });

describe('event queue', () => {
  it('pops in non-decreasing time, equal times in insertion order, never a cancelled event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ time: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 300 }),
        (items) => {
          const q = new EventQueue<Ev>();
          const evs = items.map((it, i) => q.push(ev(it.time, i)));
          items.forEach((it, i) => it.cancel && q.cancel(evs[i]!));
          const out: Ev[] = [];
          for (let e = q.pop(); e; e = q.pop()) out.push(e);
          const expected = evs.filter((e) => !e.cancelled).sort((a, b) => a.time - b.time || a.id - b.id);
          expect(out.map((e) => e.id)).toEqual(expected.map((e) => e.id));
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('interleaved pushes and pops keep the order (events pushed while running)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }), (ops) => {
        const q = new EventQueue<Ev>();
        let now = 0;
        let id = 0;
        let last: [number, number] = [-1, -1];
        for (const [dt, pops] of ops) {
          q.push(ev(now + dt, id++));
          for (let k = 0; k < pops; k++) {
            const e = q.pop();
            if (!e) break;
            expect(e.time >= last[0]).toBe(true);
            if (e.time === last[0]) expect(e.seq > last[1]).toBe(true);
            last = [e.time, e.seq];
            now = e.time;
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('cancelling a popped event is harmless; heavy cancellation compacts correctly', () => {
    const q = new EventQueue<Ev>();
    const a = q.push(ev(1, 1));
    expect(q.pop()).toBe(a);
    q.cancel(a);
    expect(q.size).toBe(0);
    const many = Array.from({ length: 5000 }, (_, i) => q.push(ev(i % 97, i)));
    many.forEach((e, i) => i % 5 !== 0 && q.cancel(e));
    expect(q.size).toBe(1000);
    const out: number[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.id);
    expect(out).toEqual(many.filter((_, i) => i % 5 === 0).sort((x, y) => x.time - y.time || x.id - y.id).map((e) => e.id));
  });

  it('matches a sorted-list model over interleaved pushes, pops and cancels at every time scale', () => {
    // Delays from 0 to far beyond the near-future ring (131 ms) exercise every path: same
    // bucket, other buckets, the far heap, jumps over empty stretches, pushes behind the ring.
    const delay = fc.oneof(
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 300_000 }),
      fc.integer({ min: NEAR_SPAN_US - 200, max: NEAR_SPAN_US + 200 }), // the ring's edge
      fc.integer({ min: 0, max: 5_000_000_000 }),
    );
    const op = fc.oneof(
      fc.record({ push: delay }),
      fc.record({ pop: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ cancel: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new EventQueue<Ev>();
        let model: Ev[] = [];
        const all: Ev[] = [];
        let now = 0;
        const popBoth = () => {
          const e = q.pop();
          const m = model.shift();
          expect(e?.id).toBe(m?.id);
          if (e) now = e.time;
        };
        for (const o of ops) {
          if ('push' in o) {
            const e = q.push(ev(now + o.push, all.length));
            all.push(e);
            model.push(e);
            model.sort((a, b) => a.time - b.time || a.seq - b.seq);
          } else if ('pop' in o) {
            for (let k = 0; k < o.pop; k++) popBoth();
          } else if (all.length > 0) {
            const e = all[o.cancel % all.length]!;
            q.cancel(e);
            model = model.filter((m) => m !== e);
          }
          expect(q.size).toBe(model.length);
          expect(q.peekTime()).toBe(model[0]?.time);
        }
        while (model.length > 0 || q.size > 0) popBoth();
      }),
      { numRuns: 300 },
    );
  });
});

