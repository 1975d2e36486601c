/** The simulator's public surface. */
export { World, type WorldStats } from './world.ts';
export type { NodeContext, NodeFactory, TraceEvent } from '../host/context.ts';
export { SimulationError } from './errors.ts';
export { Topology } from './topology.ts';
export { MemoryStorage, type CrashOutcome } from '../host/memory-storage.ts';
export { randomStream } from '../host/random.ts';
export { DEFAULT_LATENCY, sampleLatency, describeLatency } from './latency.ts';
export { describeFault } from './faults.ts';
export { EventQueue } from './event-queue.ts';
export { describePending, type PendingEvent } from './pending-event.ts';
export type * from './types.ts';
