/** The simulator's public surface. */
export { World, type NodeContext, type NodeFactory, type WorldStats } from './world.ts';
export { SimulationError } from './errors.ts';
export { Topology } from './topology.ts';
export { MemoryStorage, type CrashOutcome } from './memory-storage.ts';
export { randomStream } from './random.ts';
export { DEFAULT_LATENCY, sampleLatency, describeLatency } from './latency.ts';
export { describeFault } from './faults.ts';
export { EventQueue } from './event-queue.ts';
export type * from './types.ts';
