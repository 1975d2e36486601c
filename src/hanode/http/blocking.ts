/**
 * Consul's blocking queries over the core's BlockingHub (src/core/coord/blocking.ts): park
 * until the table's index passes the client's `index` or the wait (plus the hub's jitter of
 * up to wait/16) ends, then the route reads the store. The hub bounds the parked reads; a
 * full hub answers 429 instead of parking without limit.
 */
import type { BlockingHub } from '../../core/coord/blocking.ts';
import type { Topic } from '../../core/store/index.ts';
import { HttpError } from './errors.ts';
import { wakePacer } from './pacer.ts';
import type { QueryOptions } from './query.ts';

/** Resolves with the table's index (never 0) once it is past opts.minIndex or the wait ended. */
export function blockOn(hub: BlockingHub, topic: Topic, opts: QueryOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    // Woken reads are released a batch per event-loop turn (pacer.ts); an immediate answer is not delayed.
    let now = true;
    const parked = hub.wait(topic, opts.minIndex, opts.waitUs, (index) => (now ? resolve(index) : wakePacer.push(() => resolve(Math.max(index, hub.indexOf(topic))))));
    now = false;
    if (!parked) reject(new HttpError(429, 'Too many blocking queries'));
  });
}
