/** The host layer both the simulator and the real host build on (no import of either). */
export type { NodeContext, NodeFactory, TraceEvent } from './context.ts';
export { LogWindow } from './log-window.ts';
export { MemoryStorage } from './memory-storage.ts';
export { randomStream } from './random.ts';
