/**
 * `kv:` — clients running a KV workload against the Raft-replicated store; records the
 * history (docs/formats.md) and checks linearizability and availability.
 *
 *   kv:
 *     clients: 4
 *     rate: 20/s               # per client
 *     mix: { read: 50, write: 40, cas: 10 }
 *     keys: 8
 *     distribution: zipf       # uniform | zipf
 *     timeout: 1s
 */
import type { NodeId } from '../../core/env.ts';
import type { ScenarioModule } from '../types.ts';
import { noParams } from './params.ts';
import { unavailableInstance } from './unavailable.ts';

export const KV_OPS = ['read', 'write', 'cas', 'delete'] as const;
export type KvOpName = (typeof KV_OPS)[number];

export interface KvModuleConfig {
  readonly clients: number;
  readonly ratePerSec: number;
  readonly mix: Readonly<Partial<Record<KvOpName, number>>>;
  readonly keys: number;
  readonly distribution: 'uniform' | 'zipf';
  readonly timeoutUs: number;
  /** Nodes clients may talk to (default: the Raft voters). */
  readonly servers?: readonly NodeId[];
}

export const KV_UNAVAILABLE = 'the KV server/client and linearizability checker (src/core/kvserver, src/sim/checkers) are not in this build yet';

export const kvModule: ScenarioModule<KvModuleConfig> = {
  name: 'kv',
  doc: 'KV clients (read, write, CAS) over Raft; history, linearizability, availability',
  unavailable: KV_UNAVAILABLE,
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['clients', 'rate', 'mix', 'keys', 'distribution', 'timeout', 'servers']);
    const mixV = v.get('mix');
    const mix: Partial<Record<KvOpName, number>> = {};
    if (mixV.present) {
      mixV.allowKeys(KV_OPS);
      for (const k of mixV.keys()) mix[k as KvOpName] = mixV.get(k).num(0, 1e6);
      if (!Object.values(mix).some((w) => w! > 0)) mixV.fail('expected at least one operation with a weight > 0');
    } else {
      mix.read = 50;
      mix.write = 50;
    }
    const rateV = v.get('rate');
    const ratePerSec = rateV.present ? rateV.rate() : 10;
    if (ratePerSec > 10_000) rateV.fail('expected at most 10000/s per client');
    return {
      clients: v.get('clients').intOr(3, 1, 1000),
      ratePerSec,
      mix,
      keys: v.get('keys').intOr(8, 1, 1_000_000),
      distribution: v.get('distribution').present ? v.get('distribution').oneOf(['uniform', 'zipf'] as const) : 'uniform',
      timeoutUs: v.get('timeout').durationOr(1_000_000, 1),
      ...(v.get('servers').present ? { servers: ctx.topology.nodesOf(v.get('servers')) } : {}),
    };
  },
  expectations: {
    linearizable: { parse: noParams, name: () => 'KV history is linearizable' },
    availability: {
      parse: (v) => v.required().ratio(),
      name: (p) => `availability >= ${((p as number) * 100).toFixed(2).replace(/\.?0+$/, '')}% of operations`,
    },
  },
  instantiate: () => unavailableInstance(KV_UNAVAILABLE),
};
