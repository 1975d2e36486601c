/**
 * The run-time side of a module whose core is not in this build: it validates its section
 * (the loader did that) and answers every expectation with "not available", never a verdict.
 */
import type { ModuleInstance } from '../types.ts';
import { unavailable } from '../verdict.ts';

export function unavailableInstance(why: string): ModuleInstance {
  return { evaluate: (exp) => unavailable(exp, why) };
}
