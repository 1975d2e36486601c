/**
 * The part of the simulator's World (src/sim) that scenario modules use. Modules type against
 * this port rather than the class so that a module file stays readable on its own and a test
 * can hand a module a stub.
 */
import type { Env, Micros, NodeId, Random, Timer } from '../core/env.ts';
import type { TraceEvent } from '../sim/types.ts';

export interface WorldPort {
  now(): Micros;
  at(t: Micros, fn: () => void): Timer;
  after(d: Micros, fn: () => void): Timer;
  app<A = unknown>(node: NodeId): A | undefined;
  isUp(node: NodeId): boolean;
  rng(stream: string): Random;
  on(listener: (ev: TraceEvent) => void): void;
}

export type { Env };
