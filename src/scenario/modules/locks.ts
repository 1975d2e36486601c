/**
 * `locks:` — clients taking Consul-style session locks (src/core/coord) and holding them for
 * a while; checks lock exclusivity (no two holders of one lock at once, judged by fencing
 * tokens in the history).
 *
 *   locks:
 *     clients: 3
 *     locks: 1
 *     hold: 500ms
 *     sessionTtl: 10s
 */
import type { ScenarioModule } from '../types.ts';
import { noParams } from './params.ts';
import { unavailableInstance } from './unavailable.ts';

export interface LocksModuleConfig {
  readonly clients: number;
  readonly locks: number;
  readonly holdUs: number;
  readonly sessionTtlUs: number;
  readonly ratePerSec: number;
}

export const LOCKS_UNAVAILABLE = 'the coordination core (src/core/coord sessions and locks) is not wired into hasim yet';

export const locksModule: ScenarioModule<LocksModuleConfig> = {
  name: 'locks',
  doc: 'session locks: clients acquire, hold and release; exclusivity',
  unavailable: LOCKS_UNAVAILABLE,
  requires: ['raft'],
  parse(v) {
    v.allowKeys(['clients', 'locks', 'hold', 'sessionTtl', 'rate']);
    return {
      clients: v.get('clients').intOr(3, 1, 1000),
      locks: v.get('locks').intOr(1, 1, 1000),
      holdUs: v.get('hold').durationOr(500_000, 1),
      // Consul's session TTL range is 10s..86400s (Consul docs, /v1/session/create "TTL").
      sessionTtlUs: v.get('sessionTtl').durationOr(10_000_000, 1),
      ratePerSec: v.get('rate').present ? v.get('rate').rate() : 1,
    };
  },
  expectations: {
    'lock-exclusive': { parse: noParams, name: () => 'lock exclusivity (at most one holder per lock at a time)' },
  },
  instantiate: () => unavailableInstance(LOCKS_UNAVAILABLE),
};
