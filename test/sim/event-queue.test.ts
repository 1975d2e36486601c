import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.ts';

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
});
