/** Small constructors for expectation verdicts, so every module words them the same way. */
import type { Micros } from '../core/env.ts';
import type { ExpectationSpec, Verdict } from './types.ts';

export function pass(exp: ExpectationSpec, detail: string): Verdict {
  return { name: exp.name, kind: exp.kind, status: 'pass', passed: true, detail };
}

export function fail(exp: ExpectationSpec, detail: string, atUs?: Micros): Verdict {
  return { name: exp.name, kind: exp.kind, status: 'fail', passed: false, detail, ...(atUs !== undefined ? { atUs } : {}) };
}

/**
 * A failure because the run tested nothing (no operation ran, no primary was lost, ...): the
 * scenario did not exercise what the expectation is about. It fails the run (nothing was
 * shown), but it is not a found bug: `hasim shrink` never keeps a schedule for one.
 */
export function vacuous(exp: ExpectationSpec, detail: string): Verdict {
  return { ...fail(exp, detail), vacuous: true };
}

/** The expectation could not be checked (its core is not in this build): never a pass. */
export function unavailable(exp: ExpectationSpec, why: string): Verdict {
  return { name: exp.name, kind: exp.kind, status: 'unavailable', passed: false, detail: `not available: ${why}` };
}

export function verdict(exp: ExpectationSpec, ok: boolean, detail: string, atUs?: Micros): Verdict {
  return ok ? pass(exp, detail) : fail(exp, detail, atUs);
}
