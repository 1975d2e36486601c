/**
 * Live expectations in the TUI: each expectation judged on the run so far, as
 * held (passing now), pending (not met yet, may still be: a leader within T, availability)
 * or failed (a safety violation already happened; final). The same split as quitting early
 * (src/scenario/early-stop.ts).
 */
import { SAFETY } from '../scenario/early-stop.ts';
import type { LiveVerdict } from '../scenario/live-run.ts';

export type LiveState = 'held' | 'pending' | 'failed' | 'n/a';

export interface LiveExpectation {
  readonly name: string;
  readonly state: LiveState;
  readonly detail: string;
}

export function liveExpectations(verdicts: readonly LiveVerdict[], finished: boolean): LiveExpectation[] {
  return verdicts.map((v) => {
    let state: LiveState;
    if (v.passed) state = 'held';
    else if (v.status === 'unavailable') state = 'n/a';
    else if (finished || (v.kind !== undefined && SAFETY.has(v.kind))) state = 'failed';
    else state = 'pending';
    return { name: v.name, state, detail: v.detail };
  });
}

/** "expect ✓3 …1 ✗0": the one-line count. */
export function expectationCounts(list: readonly LiveExpectation[]): string {
  const n = (s: LiveState) => list.filter((e) => e.state === s).length;
  return `expect ✓${n('held')} …${n('pending')} ✗${n('failed')}`;
}
