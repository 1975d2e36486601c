/**
 * The simulator's event queue: a binary min-heap ordered by (time, seq). `seq` is a global
 * insertion counter, so events at the same virtual time run in the order they were
 * scheduled. Nothing else decides order.
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

export class EventQueue<E extends QueuedEvent> {
  private heap: E[] = [];
  private nextSeq = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  /** Assigns the event its sequence number and inserts it. */
  push(event: E): E {
    event.seq = this.nextSeq++;
    event.inHeap = true;
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.time < event.time || (p.time === event.time && p.seq < event.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  /** Marks an event cancelled; it will never be returned by pop(). */
  cancel(event: E): void {
    if (event.cancelled) return;
    event.cancelled = true;
    if (!event.inHeap) return; // already popped (fired, or held by its owner): just the flag
    this.cancelledCount++;
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.heap.length) this.compact();
  }

  /** Time of the next live event, or undefined when empty. */
  peekTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0]!.time : undefined;
  }

  /** Removes and returns the next live event. */
  pop(): E | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.popTop() : undefined;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.popTop();
      this.cancelledCount--;
    }
  }

  private popTop(): E {
    const heap = this.heap;
    const top = heap[0]!;
    top.inHeap = false;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let cv = heap[l]!;
        if (r < n) {
          const rv = heap[r]!;
          if (rv.time < cv.time || (rv.time === cv.time && rv.seq < cv.seq)) {
            c = r;
            cv = rv;
          }
        }
        if (last.time < cv.time || (last.time === cv.time && last.seq < cv.seq)) break;
        heap[i] = cv;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  private compact(): void {
    const live: E[] = [];
    for (const e of this.heap) {
      if (e.cancelled) e.inHeap = false;
      else live.push(e);
    }
    live.sort((a, b) => a.time - b.time || a.seq - b.seq); // a sorted array is a valid heap
    this.heap = live;
    this.cancelledCount = 0;
  }
}
