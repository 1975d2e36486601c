/** Public surface of the simulator's client workloads. */
export { KvWorkload, DEFAULT_MIX, type KvWorkloadOptions, type KvWorkloadStats, type OpMix } from './kv-workload.ts';
export { keyChooser, type KeyDistSpec } from './key-dist.ts';
