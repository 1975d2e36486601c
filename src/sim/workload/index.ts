/** Public surface of the simulator's client workloads. */
export {
  KvWorkload,
  KV_OPS,
  DEFAULT_MIX,
  type KvOpName,
  type KvWorkloadOptions,
  type KvWorkloadStats,
  type OpMix,
  type WorkloadWorld,
  type WorkloadKvClient,
} from './kv-workload.ts';
export { keyChooser, type KeyDistSpec } from './key-dist.ts';
