/**
 * Waiting on conditions in real-process and real-socket tests: poll until the condition holds,
 * up to a generous limit (PATIENCE_MS, shared with src/hanode/launcher.ts), so a loaded 2-core
 * machine slows the suite down but does not fail it. Bounded in time and in iterations.
 */
import { PATIENCE_MS } from '../../src/hanode/launcher.ts';

export { PATIENCE_MS, waitUntil } from '../../src/hanode/launcher.ts';

/** Resolves true as soon as `pred()` holds, false if it still does not after `limitMs`. */
export async function eventually(pred: () => boolean, limitMs: number = PATIENCE_MS): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  for (let i = 0; i < 1_000_000 && performance.now() < deadline; i++) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return pred();
}
