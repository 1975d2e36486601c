/**
 * An expectation whose window lies past the end of the run tests nothing: `leader-within: 5s`
 * after faults that end when the run ends is judged on an empty window. Such a verdict is
 * never a silent pass: it fails, marked vacuous (verdict.ts), with the reason.
 */
import { withinStartUs, type WithinParams } from './modules/params.ts';
import type { ExpectationSpec, Scenario, Verdict } from './types.ts';
import { humanDuration } from './units.ts';

/** Expectations whose window is not "after the faults end" (they count from events). */
const OWN_WINDOWS = new Set(['new-leader-within']);

function isWithin(p: unknown): p is WithinParams {
  if (typeof p !== 'object' || p === null) return false;
  const keys = Object.keys(p);
  return typeof (p as WithinParams).withinUs === 'number' && keys.every((k) => k === 'withinUs' || k === 'afterUs');
}

export function markEmptyWindow(exp: ExpectationSpec, v: Verdict, sc: Scenario, endUs: number): Verdict {
  if (v.status === 'unavailable' || v.vacuous || OWN_WINDOWS.has(exp.kind) || !isWithin(exp.params)) return v;
  const from = withinStartUs(exp.params, sc);
  if (from < endUs) return v;
  return {
    ...v,
    status: 'fail',
    passed: false,
    vacuous: true,
    detail: `${v.detail}; but its window starts at ${humanDuration(from)}, when the run ends: nothing was tested (lengthen the run, end the faults earlier, or write { after, within })`,
  };
}
