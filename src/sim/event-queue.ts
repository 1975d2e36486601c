/**
 * The simulator's event queue, ordered by (time, seq). `seq` is a global insertion counter, so
 * events at the same virtual time run in the order they were scheduled. Nothing else decides
 * order: (time, seq) is a total order, so the pop order is the same for any correct queue.
 *
 * Layout, for speed (Brown's calendar queue, simplified to fixed-width buckets): the near future
 * is a ring of BUCKETS buckets of BUCKET_US microseconds each, every bucket a small array; a push
 * appends to its bucket, which is sorted by (time, seq) once, when the ring reaches it (a push
 * into that first bucket steps back over the few later events), and a pop takes the head of
 * the first non-empty bucket. Events further away than the ring
 * wait in a 4-ary heap (FarHeap) and move into the ring as time reaches them. Message delays
 * and timers are mostly well within the ring's span, so most events never touch the heap.
 * Nothing is allocated per push or pop once the arrays have grown to the run's size.
 *
 * Cancellation is lazy (a cancelled event stays queued and is skipped when popped), which keeps
 * cancel O(1); the queue compacts itself when cancelled entries dominate.
 */
export interface QueuedEvent {
  time: number;
  seq: number;
  cancelled: boolean;
  /** Maintained by the queue: whether the event is currently queued. */
  inHeap: boolean;
}

/** Bucket width: a few same-DC message delays (~250 µs, see latency.ts) per bucket at most. */
const BUCKET_US = 64;
/** Buckets in the ring (a power of two): 64 µs x 2048 = 131 ms, above cross-region delays (~35 ms). */
const BUCKETS = 2048;
const MASK = BUCKETS - 1;
const WORDS = BUCKETS / 32;
/** The ring's span: events further ahead wait in the far heap (exported for the tests' edge cases). */
export const NEAR_SPAN_US = BUCKET_US * BUCKETS;

const before = (a: QueuedEvent, b: QueuedEvent): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export class EventQueue<E extends QueuedEvent> {
  private readonly ring: E[][] = Array.from({ length: BUCKETS }, () => []);
  /** Index of the next unpopped event of each bucket (popped ones are dropped when it empties). */
  private readonly heads = new Int32Array(BUCKETS);
  /**
   * 1 while a bucket's events are in push order rather than (time, seq) order. A push only
   * appends to a bucket the ring has not reached; the bucket is sorted once, when it becomes
   * the first (its events are read then anyway, to be run), so a push does not step over
   * events whose objects are long out of the CPU's caches.
   */
  private readonly unsorted = new Uint8Array(BUCKETS);
  /** Bit per bucket: set while it holds unpopped events (finds the next one without a scan). */
  private readonly occupied = new Uint32Array(WORDS);
  /** Absolute bucket number (time / BUCKET_US) of the ring's first bucket. */
  private cur = 0;
  /** Events in the ring. */
  private inRing = 0;
  private readonly far = new FarHeap<E>();
  private nextSeq = 0;
  private count = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.count - this.cancelledCount;
  }

  /** Assigns the event its sequence number and inserts it. */
  push(event: E): E {
    event.seq = this.nextSeq++;
    event.inHeap = true;
    this.count++;
    this.place(event);
    return event;
  }

  /** Marks an event cancelled; it will never be returned by pop(). */
  cancel(event: E): void {
    if (event.cancelled) return;
    event.cancelled = true;
    if (!event.inHeap) return; // already popped (fired, or held by its owner): just the flag
    this.cancelledCount++;
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.count) this.compact();
  }

  /** Time of the next live event, or undefined when empty. */
  peekTime(): number | undefined {
    const b = this.firstLive();
    return b < 0 ? undefined : this.ring[b]![this.heads[b]!]!.time;
  }

  /** The next live event, left queued (for showing what a step will run). */
  peek(): E | undefined {
    const b = this.firstLive();
    return b < 0 ? undefined : this.ring[b]![this.heads[b]!];
  }

  /** Removes and returns the next live event. */
  pop(): E | undefined {
    const b = this.firstLive();
    return b < 0 ? undefined : this.take(b);
  }

  /** Removes and returns the next live event if its time is <= until (the run loop's step). */
  popDue(until: number): E | undefined {
    const b = this.firstLive();
    return b < 0 || this.ring[b]![this.heads[b]!]!.time > until ? undefined : this.take(b);
  }

  /** Puts a queued event in its bucket, or in the far heap beyond the ring. */
  private place(e: E): void {
    let ab = Math.floor(e.time / BUCKET_US);
    if (ab >= this.cur + BUCKETS) {
      this.far.push(e);
      return;
    }
    // Earlier than the ring's start (the ring ran ahead to the next event, then something was
    // scheduled before it): the first bucket, in order; everything after it is later still.
    if (ab < this.cur) ab = this.cur;
    const slot = ab & MASK;
    const bucket = this.ring[slot]!;
    this.occupied[slot >>> 5]! |= 1 << (slot & 31);
    this.inRing++;
    if (ab !== this.cur) {
      // Not yet reached: sorted when it is (see unsorted).
      if (bucket.length > this.heads[slot]!) this.unsorted[slot] = 1;
      bucket.push(e);
      return;
    }
    // The first bucket, being run: in order now.
    const head = this.heads[slot]!;
    let i = bucket.length;
    bucket.push(e);
    while (i > head && before(e, bucket[i - 1]!)) {
      bucket[i] = bucket[i - 1]!;
      i--;
    }
    bucket[i] = e;
  }

  /** Ring slot of the earliest live event (dropping cancelled ones on the way), or -1 when empty. */
  private firstLive(): number {
    for (;;) {
      if (this.inRing === 0) {
        if (this.far.size === 0) return -1;
        this.cur = Math.floor(this.far.topTime() / BUCKET_US); // jump over the empty stretch
        this.pullFar();
      }
      const b = this.cur & MASK;
      const bucket = this.ring[b]!;
      const head = this.heads[b]!;
      if (this.unsorted[b] === 1) {
        this.unsorted[b] = 0;
        sortBucket(bucket, head);
      }
      if (head < bucket.length) {
        if (!bucket[head]!.cancelled) return b;
        this.take(b);
        this.cancelledCount--;
        continue;
      }
      // Straight to the next occupied bucket: a sparse run does not step through empty ones.
      this.cur += this.distanceToOccupied(b);
      this.pullFar();
    }
  }

  /** Buckets from ring slot s (empty) to the next occupied one; the ring is not empty. */
  private distanceToOccupied(s: number): number {
    const occupied = this.occupied;
    let w = s >>> 5;
    let word = occupied[w]! & (-1 << (s & 31));
    for (let k = 0; k <= WORDS; k++) {
      if (word !== 0) return ((w << 5) + 31 - Math.clz32(word & -word) - s) & MASK;
      w = (w + 1) % WORDS;
      word = occupied[w]!;
    }
    throw new Error('event queue: ring count says non-empty, but no bucket is occupied');
  }

  /** Moves far events that the ring now spans into it. */
  private pullFar(): void {
    const limit = (this.cur + BUCKETS) * BUCKET_US;
    while (this.far.size > 0 && this.far.topTime() < limit) this.place(this.far.pop());
  }

  private take(b: number): E {
    const bucket = this.ring[b]!;
    const head = this.heads[b]!;
    const e = bucket[head]!;
    if (head + 1 === bucket.length) {
      bucket.length = 0; // drained: the popped events are no longer referenced
      this.heads[b] = 0;
      this.occupied[b >>> 5]! &= ~(1 << (b & 31));
    } else this.heads[b] = head + 1;
    this.inRing--;
    this.count--;
    e.inHeap = false;
    return e;
  }

  private compact(): void {
    const live: E[] = [];
    const keep = (e: E) => {
      if (e.cancelled) e.inHeap = false;
      else live.push(e);
    };
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = this.ring[b]!;
      for (let i = this.heads[b]!; i < bucket.length; i++) keep(bucket[i]!);
      bucket.length = 0;
      this.heads[b] = 0;
    }
    this.occupied.fill(0);
    this.unsorted.fill(0);
    while (this.far.size > 0) keep(this.far.pop());
    this.inRing = 0;
    this.count = live.length;
    this.cancelledCount = 0;
    for (const e of live) this.place(e);
  }
}

/** Insertion sort of bucket[from..] by (time, seq): buckets are short (a few to a few dozen events). */
function sortBucket<E extends QueuedEvent>(bucket: E[], from: number): void {
  for (let k = from + 1; k < bucket.length; k++) {
    const e = bucket[k]!;
    let i = k;
    while (i > from && before(e, bucket[i - 1]!)) {
      bucket[i] = bucket[i - 1]!;
      i--;
    }
    bucket[i] = e;
  }
}

/**
 * A 4-ary min-heap by (time, seq) whose keys live in Float64Arrays beside the array of events,
 * so sifting compares plain numbers. Events keep the seq they were given.
 */
class FarHeap<E extends QueuedEvent> {
  private times = new Float64Array(256);
  private seqs = new Float64Array(256);
  private items: (E | undefined)[] = [];
  size = 0;

  topTime(): number {
    return this.times[0]!;
  }

  push(e: E): void {
    if (this.size === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const t = e.time;
    const s = e.seq;
    let i = this.size++;
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

  pop(): E {
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const top = items[0]!;
    const n = --this.size;
    const t = times[n]!;
    const s = seqs[n]!;
    const e = items[n];
    items[n] = undefined;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = times[first]!;
      let cs = seqs[first]!;
      const end = first + 4 < n ? first + 4 : n;
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
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
