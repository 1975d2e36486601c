/**
 * `leases:` — clients granting etcd-style leases, attaching keys, and keeping them alive;
 * checks that an abandoned lease (its holder cut off or crashed) expires and takes its keys
 * with it within TTL + slack, and that a kept-alive lease never expires.
 *
 *   leases:
 *     clients: 3
 *     ttl: 5s
 *     keepalive: 1s
 */
import type { ScenarioModule } from '../types.ts';
import { parseWithin, withinName, type WithinParams } from './params.ts';
import { unavailableInstance } from './unavailable.ts';

export interface LeasesModuleConfig {
  readonly clients: number;
  readonly ttlUs: number;
  readonly keepaliveUs: number;
}

export const LEASES_UNAVAILABLE = 'the lease service (src/core/coord leases) is not wired into hasim yet';

export const leasesModule: ScenarioModule<LeasesModuleConfig> = {
  name: 'leases',
  doc: 'leases with keep-alives; expiry of abandoned leases',
  unavailable: LEASES_UNAVAILABLE,
  requires: ['raft'],
  parse(v) {
    v.allowKeys(['clients', 'ttl', 'keepalive']);
    const ttlUs = v.get('ttl').durationOr(5_000_000, 1);
    // etcd's clientv3 sends keep-alives every TTL/3 (clientv3/lease.go, "ttl / 3").
    const keepaliveUs = v.get('keepalive').durationOr(Math.floor(ttlUs / 3), 1);
    if (keepaliveUs >= ttlUs) v.get('keepalive').fail('expected a keepalive shorter than the ttl');
    return { clients: v.get('clients').intOr(3, 1, 1000), ttlUs, keepaliveUs };
  },
  expectations: {
    'lease-expires-within': {
      parse: parseWithin,
      name: (p) => withinName('abandoned leases expire', p as WithinParams),
    },
  },
  instantiate: () => unavailableInstance(LEASES_UNAVAILABLE),
};
