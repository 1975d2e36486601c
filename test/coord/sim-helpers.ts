/** Small helpers to drive callback APIs from a test, one simulated step at a time. */
import { sec, type Micros } from '../../src/core/env.ts';
import type { World } from '../../src/sim/index.ts';

/** Starts a callback operation and runs the world until it calls back; returns its arguments. */
export function call<A extends unknown[]>(world: World, start: (done: (...args: A) => void) => void, limitUs: Micros = sec(20)): A {
  let out: A | undefined;
  start((...args: A) => {
    if (out === undefined) out = args;
  });
  world.runUntil(() => out !== undefined, world.now() + limitUs);
  if (out === undefined) throw new Error(`no callback within ${limitUs}us (t=${world.now()})`);
  return out;
}
