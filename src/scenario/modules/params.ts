/** Parsers for expectation parameters that several modules share. */
import type { Micros } from '../../core/env.ts';
import type { ParseContext, Scenario } from '../types.ts';
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

/**
 * When the faults are over: the end of the last written fault (at + for), or the nemesis's
 * `until` plus its longest fault. A fault without `for` lasts until the next heal; its start counts.
 */
export function faultsEndUs(sc: Scenario): Micros {
  let end = 0;
  for (const f of sc.faults) {
    const d = 'for' in f.fault && f.fault.for !== undefined ? f.fault.for : 0;
    end = Math.max(end, f.at + d);
  }
  if (sc.nemesis) end = Math.max(end, Math.min(sc.durationUs, (sc.nemesis.until ?? sc.durationUs) + sc.nemesis.durationMax));
  return Math.min(end, sc.durationUs);
}

/** The point a WithinParams counts from. */
export function withinStartUs(p: WithinParams, sc: Scenario): Micros {
  return p.afterUs ?? faultsEndUs(sc);
}
