/**
 * Consul's blocking query loop (agent/consul/rpc.go blockingQuery): run the query; while
 * its index is not past the client's `index`, park until a table it reads changes or the
 * wait (plus a random jitter of up to wait/16, so watchers do not all wake together) ends;
 * then answer with whatever the query gives.
 */
import { BLOCKING_JITTER_FRACTION } from '../../core/coord/config.ts';
import type { Topic } from '../../core/store/index.ts';
import type { QueryOptions } from './query.ts';
import type { WaitHub } from './wait-hub.ts';

/** Bound on re-runs of one blocking query (each needs a change of a table it reads). */
const MAX_RERUNS = 100_000;

export async function blockingQuery<T extends { readonly index: number }>(
  hub: WaitHub,
  topics: readonly Topic[],
  opts: QueryOptions,
  run: () => T,
  random: () => number = Math.random,
  closed: () => boolean = () => false,
): Promise<T> {
  let r = run();
  if (opts.minIndex === 0 || r.index > opts.minIndex) return r;
  const waitMs = opts.waitUs / 1000;
  const deadline = Date.now() + waitMs + random() * (waitMs / BLOCKING_JITTER_FRACTION);
  for (let i = 0; i < MAX_RERUNS && !closed(); i++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const changed = await hub.wait(topics, left);
    r = run();
    if (!changed || r.index > opts.minIndex) return r;
  }
  return run();
}
