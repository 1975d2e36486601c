/** Swarms: many seeds of one scenario in worker threads, with progress. */
export { runSwarm, MAX_WORKERS, type SwarmOptions, type SwarmResult } from './pool.ts';
export { parseSeedRange, swarmSeeds, MAX_SWARM } from './seeds.ts';
export { makeProgress, type Progress } from './progress.ts';
export type { SeedOutcome } from './protocol.ts';
