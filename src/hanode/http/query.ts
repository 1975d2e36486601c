/**
 * Query-string reading with Consul's rules: boolean flags count by PRESENCE
 * (`?recurse=false` still recurses: Consul checks `_, ok := query["recurse"]`), and the
 * blocking / consistency parameters shared by every read endpoint.
 */
import { BLOCKING_DEFAULT_WAIT_US, BLOCKING_MAX_WAIT_US } from '../../core/coord/config.ts';
import type { Micros } from '../../core/env.ts';
import { parseGoDuration } from './duration.ts';
import { badRequest } from './errors.ts';

export class Query {
  constructor(readonly params: URLSearchParams) {}

  /** Consul's presence rule for boolean flags. */
  has(name: string): boolean {
    return this.params.has(name);
  }

  get(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  /** A non-negative integer parameter; 400 when present but not one. */
  uint(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,16}$/.test(v)) throw badRequest(`Invalid ${name}: ${JSON.stringify(v)}`);
    return Number(v);
  }
}

export type Consistency = 'default' | 'stale' | 'consistent';

export interface QueryOptions {
  readonly consistency: Consistency;
  /** 0: not a blocking query. */
  readonly minIndex: number;
  /** How long a blocking query may wait (before jitter), capped at Consul's 10 min. */
  readonly waitUs: Micros;
}

/** Reads index / wait / stale / consistent; 400 on bad values or both consistency flags (as Consul). */
export function queryOptions(q: Query): QueryOptions {
  const stale = q.has('stale');
  const consistent = q.has('consistent');
  if (stale && consistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  const idx = q.get('index');
  let minIndex = 0;
  if (idx !== undefined) {
    if (!/^\d{1,19}$/.test(idx)) throw badRequest('Invalid index');
    minIndex = Number(idx);
  }
  let waitUs = BLOCKING_DEFAULT_WAIT_US;
  const w = q.get('wait');
  if (w !== undefined) {
    const parsed = parseGoDuration(w);
    if (parsed === undefined) throw badRequest('Invalid wait time');
    waitUs = Math.min(parsed, BLOCKING_MAX_WAIT_US);
  }
  return { consistency: stale ? 'stale' : consistent ? 'consistent' : 'default', minIndex, waitUs };
}
