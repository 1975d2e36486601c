/**
 * Reading the simulator's fault events back: the readable timeline line for a `fault` /
 * `fault.end` trace event, and the Fault it describes (so `hasim shrink` can turn faults a
 * nemesis drew into an explicit, editable schedule).
 *
 * The simulator records faults with src/sim/faults.ts `describeFault`: { fault: kind,
 * target?, sides?, p?, skew?, drift?, extra?, window?, rate?, for? }.
 */
import type { Fault, FaultKind, ScheduledFault, TraceEvent } from '../sim/types.ts';
import { humanDuration } from './units.ts';

function num(ev: TraceEvent, k: string): number | undefined {
  const v = ev[k];
  return typeof v === 'number' ? v : undefined;
}
function str(ev: TraceEvent, k: string): string | undefined {
  const v = ev[k];
  return typeof v === 'string' ? v : undefined;
}

/** "isolate east-1 for 30s", "partition n1 | n2+n3", ... */
export function describeFaultEvent(ev: TraceEvent): string {
  const kind = str(ev, 'fault') ?? '?';
  const parts: string[] = [kind];
  const sides = str(ev, 'sides');
  if (sides) parts.push(sides);
  const target = str(ev, 'target');
  if (target) parts.push(target);
  const where = str(ev, 'where');
  if (where) parts.push(where === 'state' ? `state ${str(ev, 'key') ?? 'hs'}` : `${where} of log${num(ev, 'records') ? ` x${num(ev, 'records')}` : ''}`);
  const p = num(ev, 'p');
  if (p !== undefined) parts.push(`p=${p}`);
  const skew = num(ev, 'skew');
  if (skew !== undefined) parts.push(`skew ${skew < 0 ? '-' : '+'}${humanDuration(Math.abs(skew))}`);
  const drift = num(ev, 'drift');
  if (drift) parts.push(`drift ${drift}`);
  const extra = num(ev, 'extra');
  if (extra !== undefined) parts.push(`+${humanDuration(extra)}`);
  const window = num(ev, 'window');
  if (window !== undefined) parts.push(`window ${humanDuration(window)}`);
  const rate = num(ev, 'rate');
  if (rate !== undefined) parts.push(`${rate}/s`);
  const dur = num(ev, 'for');
  if (ev.kind === 'fault' && dur !== undefined) parts.push(`for ${humanDuration(dur)}`);
  // Role selectors as resolved when the fault fired: "isolate n3 for 30s (leader=n3)".
  const roles = str(ev, 'roles');
  if (roles) parts.push(`(${roles})`);
  if (ev.kind === 'fault.skipped') return `skipped ${parts.join(' ')}: ${str(ev, 'reason') ?? ''}`;
  return (ev.kind === 'fault.end' ? 'end of ' : '') + parts.join(' ');
}

const pairOf = (s: string | undefined): [string, string] | undefined => {
  const p = s?.split('<->');
  return p && p.length === 2 ? [p[0]!, p[1]!] : undefined;
};

/** The Fault a `fault` event describes; undefined when it cannot be rebuilt. */
export function faultFromEvent(ev: TraceEvent): ScheduledFault | undefined {
  if (ev.kind !== 'fault') return undefined;
  const kind = str(ev, 'fault') as FaultKind | undefined;
  const target = str(ev, 'target');
  const dur = num(ev, 'for');
  const withFor = dur !== undefined ? { for: dur } : {};
  let f: Fault | undefined;
  switch (kind) {
    case 'partition': {
      const s = str(ev, 'sides');
      if (!s) break;
      const oneWay = s.includes(' -/-> ');
      const sides = s.split(oneWay ? ' -/-> ' : ' | ').map((x) => x.split('+'));
      f = { kind, sides, ...(oneWay ? { oneWay } : {}), ...withFor };
      break;
    }
    case 'isolate':
      if (target) f = { kind, target, ...withFor };
      break;
    case 'heal':
      f = { kind };
      break;
    case 'crash':
    case 'pause':
      if (target) f = { kind, node: target, ...withFor };
      break;
    case 'restart':
    case 'resume':
      if (target) f = { kind, node: target };
      break;
    case 'clock':
      if (target) f = { kind, node: target, skew: num(ev, 'skew') ?? 0, drift: num(ev, 'drift') ?? 0, ...withFor };
      break;
    case 'loss': {
      const between = pairOf(target);
      f = { kind, p: num(ev, 'p') ?? 0, ...(between ? { between } : {}), ...withFor };
      break;
    }
    case 'duplicate':
      f = { kind, p: num(ev, 'p') ?? 0, ...withFor };
      break;
    case 'reorder':
      f = { kind, p: num(ev, 'p') ?? 0, window: num(ev, 'window') ?? 1, ...withFor };
      break;
    case 'slow-link': {
      const between = pairOf(target);
      if (between) f = { kind, between, extra: num(ev, 'extra') ?? 0, ...withFor };
      break;
    }
    case 'slow-node':
      if (target) f = { kind, node: target, extra: num(ev, 'extra') ?? 0, ...withFor };
      break;
    case 'corrupt': {
      const where = str(ev, 'where');
      if (!target || (where !== 'mid' && where !== 'tail' && where !== 'state')) break;
      const records = num(ev, 'records');
      const key = str(ev, 'key');
      const svc = str(ev, 'svc');
      f = { kind, node: target, where, ...(records !== undefined ? { records } : {}), ...(key ? { key } : {}), ...(svc ? { svc } : {}), ...withFor };
      break;
    }
    case 'wipe':
      if (target) f = { kind, node: target, ...withFor };
      break;
    case 'restore-stale':
      if (target && dur !== undefined) f = { kind, node: target, for: dur };
      break;
    case 'forge':
      f = { kind, rate: num(ev, 'rate') ?? 1, ...withFor };
      break;
  }
  return f ? { at: ev.t, fault: f } : undefined;
}
