/** Parsers for expectation parameters that several modules share. */
import type { Micros } from '../../core/env.ts';
import type { ParseContext } from '../types.ts';
import { formatDuration } from '../units.ts';
import type { View } from '../yaml-view.ts';

/** Takes no value: `- raft-safety`. */
export function noParams(v: View): undefined {
  if (v.present) v.expect('no value (write just the name)');
  return undefined;
}

/**
 * "within T after a point": `10s` (after the last fault has ended) or `{ after: 40s, within: 10s }`.
 * `afterUs` undefined means "after the last scheduled fault ends (or 0)".
 */
export interface WithinParams {
  readonly withinUs: Micros;
  readonly afterUs?: Micros;
}

export function parseWithin(v: View, ctx: ParseContext): WithinParams {
  v.required();
  if (v.isScalar()) return { withinUs: v.duration(1) };
  v.allowKeys(['after', 'within']);
  const afterV = v.get('after');
  const afterUs = afterV.durationOr(0);
  if (afterUs > ctx.durationUs) afterV.fail('expected a time within the run');
  return { withinUs: v.get('within').required().duration(1), ...(afterV.present ? { afterUs } : {}) };
}

export function withinName(what: string, p: WithinParams): string {
  return `${what} within ${formatDuration(p.withinUs)} after ${p.afterUs === undefined ? 'the faults end' : formatDuration(p.afterUs)}`;
}
