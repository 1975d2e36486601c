/**
 * Judging a run that was stopped before its end (quitting `hasim tui`): a safety expectation
 * that already failed stays failed (the violation happened), but one about something that
 * should happen LATER (a leader within T, availability over the run, convergence) cannot be
 * judged on part of the run: it is "not reached", not FAIL. The exit code is then 1 only for
 * real failures.
 */
import type { RunResult, Scenario, Verdict } from './types.ts';
import { humanDuration } from './units.ts';

/** Expectations whose failure is final the moment it is seen (a violation happened). */
export const SAFETY = new Set(['no-broken-invariant', 'raft-safety', 'linearizable', 'lock-exclusive', 'no-false-failover', 'no-lost-writes', 'max-leader-changes']);

export function judgeStoppedEarly(r: RunResult, sc: Scenario, stoppedAtUs: number): RunResult {
  const expectations: Verdict[] = r.expectations.map((v) => {
    if (v.kind === 'no-broken-invariant' && v.passed) return { ...v, detail: v.detail.replace(/ to the end$/, ' (stopped early)') };
    if (v.status !== 'fail' || SAFETY.has(v.kind)) return v;
    return {
      name: v.name,
      kind: v.kind,
      status: 'not-reached',
      passed: false,
      detail: `not reached: stopped at ${humanDuration(stoppedAtUs)} of ${humanDuration(sc.durationUs)} (so far: ${v.detail})`,
    };
  });
  return { ...r, expectations, passed: !expectations.some((v) => v.status === 'fail' || v.status === 'unavailable') };
}
