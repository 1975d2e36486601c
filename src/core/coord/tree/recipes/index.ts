/** Recipes on top of the TreeClient interface. */
export { TreeLock, type LockCallback } from './lock.ts';
export { LeaderElection } from './election.ts';
export { Barrier, DoubleBarrier } from './barrier.ts';
export { sequenceOf, sortedByPrefix } from './sequence.ts';
