/**
 * The simulator's event queue: a min-heap ordered by (time, seq). `seq` is a global insertion
 * counter, so events at the same virtual time run in the order they were scheduled. Nothing
 * else decides order: (time, seq) is a total order, so the pop order is the same for any
 * correct heap.
 *
 * Layout, for speed: a 4-ary heap (shallower than a binary one, and its four children sit
 * side by side) whose keys live in two Float64Arrays beside the array of events, so sifting
 * compares plain numbers and never loads an event object. Nothing is allocated per push or pop
 * once the arrays have grown to the run's size.
 *
 * Cancellation is lazy (a cancelled event stays in the heap and is skipped when popped), which
 * keeps cancel O(1); the heap compacts itself when cancelled entries dominate.
 */
export interface QueuedEvent {
  time: number;
  seq: number;
  cancelled: boolean;
  /** Maintained by the queue: whether the event is currently in the heap. */
  inHeap: boolean;
}

const ARITY = 4;

export class EventQueue<E extends QueuedEvent> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private items: (E | undefined)[] = [];
  private n = 0;
  private nextSeq = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.n - this.cancelledCount;
  }

  /** Assigns the event its sequence number and inserts it. */
  push(event: E): E {
    const seq = this.nextSeq++;
    event.seq = seq;
    event.inHeap = true;
    if (this.n === this.times.length) this.grow();
    this.siftUp(this.n++, event.time, seq, event);
    return event;
  }

  /** Marks an event cancelled; it will never be returned by pop(). */
  cancel(event: E): void {
    if (event.cancelled) return;
    event.cancelled = true;
    if (!event.inHeap) return; // already popped (fired, or held by its owner): just the flag
    this.cancelledCount++;
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.n) this.compact();
  }

  /** Time of the next live event, or undefined when empty. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.n > 0 ? this.times[0] : undefined;
  }

  /** Removes and returns the next live event. */
  pop(): E | undefined {
    this.dropCancelledTop();
    return this.n > 0 ? this.popTop() : undefined;
  }

  /** Removes and returns the next live event if its time is <= until (the run loop's step). */
  popDue(until: number): E | undefined {
    this.dropCancelledTop();
    return this.n > 0 && this.times[0]! <= until ? this.popTop() : undefined;
  }

  private dropCancelledTop(): void {
    while (this.n > 0 && this.items[0]!.cancelled) {
      this.popTop();
      this.cancelledCount--;
    }
  }

  private popTop(): E {
    const items = this.items;
    const top = items[0]!;
    top.inHeap = false;
    const last = --this.n;
    if (last > 0) this.siftDown(this.times[last]!, this.seqs[last]!, items[last]!);
    items[last] = undefined; // the heap holds no reference to a popped event
    return top;
  }

  /** Places (t, s, e) at hole i, moving parents down as needed. */
  private siftUp(i: number, t: number, s: number, e: E): void {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p]!;
      if (pt < t || (pt === t && seqs[p]! < s)) break;
      times[i] = pt;
      seqs[i] = seqs[p]!;
      items[i] = items[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    items[i] = e;
  }

  /** Places (t, s, e) starting from the hole at the root, moving the least child up as needed. */
  private siftDown(t: number, s: number, e: E): void {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const n = this.n;
    let i = 0;
    for (;;) {
      const first = ARITY * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = times[first]!;
      let cs = seqs[first]!;
      const end = first + ARITY < n ? first + ARITY : n;
      for (let k = first + 1; k < end; k++) {
        const kt = times[k]!;
        if (kt < ct || (kt === ct && seqs[k]! < cs)) {
          c = k;
          ct = kt;
          cs = seqs[k]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      items[i] = items[c];
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    items[i] = e;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  private compact(): void {
    const live: E[] = [];
    for (let i = 0; i < this.n; i++) {
      const e = this.items[i]!;
      if (e.cancelled) e.inHeap = false;
      else live.push(e);
    }
    live.sort((a, b) => a.time - b.time || a.seq - b.seq); // a sorted array is a valid heap
    this.items = live;
    this.n = live.length;
    for (let i = 0; i < live.length; i++) {
      this.times[i] = live[i]!.time;
      this.seqs[i] = live[i]!.seq;
    }
    this.cancelledCount = 0;
  }
}
