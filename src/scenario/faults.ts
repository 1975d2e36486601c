/**
 * The `faults:` timeline and the `nemesis:` section of a scenario: validation into the
 * simulator's Fault data (src/sim/types.ts), and the reverse (YAML form) for `hasim shrink`.
 *
 *   faults:
 *     - { at: 10s, kind: isolate, target: east-1, for: 30s }
 *     - { at: 20s, kind: partition, sides: [[n1], [n2, n3]], oneWay: true, for: 5s }
 */
import type { Micros } from '../core/env.ts';
import type { Fault, FaultKind, NemesisSpec, ScheduledFault } from '../sim/types.ts';
import { CRASH_POINT_KINDS } from '../sim/crash-points.ts';
import type { TopologyIndex } from './topology.ts';
import { collectEach } from './error-list.ts';
import { roleAwareTopology } from './role-selectors.ts';
import { formatDuration } from './units.ts';
import type { View } from './yaml-view.ts';

export const FAULT_KINDS: readonly FaultKind[] = [
  'partition',
  'isolate',
  'heal',
  'crash',
  'restart',
  'pause',
  'resume',
  'clock',
  'loss',
  'duplicate',
  'reorder',
  'slow-link',
  'slow-node',
  'corrupt',
  'wipe',
  'restore-stale',
  'disk-full',
  'forge',
];

/** Bound on a written timeline: a scenario is a story, not a dump. */
export const MAX_SCHEDULED_FAULTS = 10_000;

const FIELDS: Record<FaultKind, readonly string[]> = {
  partition: ['sides', 'oneWay', 'for'],
  isolate: ['target', 'for'],
  heal: [],
  crash: ['node', 'for'],
  restart: ['node'],
  pause: ['node', 'for'],
  resume: ['node'],
  clock: ['node', 'skew', 'drift', 'for'],
  loss: ['p', 'between', 'for'],
  duplicate: ['p', 'for'],
  reorder: ['p', 'window', 'for'],
  'slow-link': ['between', 'extra', 'for'],
  'slow-node': ['node', 'extra', 'for'],
  corrupt: ['node', 'where', 'records', 'key', 'svc', 'for'],
  wipe: ['node', 'for'],
  'restore-stale': ['node', 'for'],
  'disk-full': ['node', 'for'],
  forge: ['rate', 'for'],
};

function pair(v: View, topo: TopologyIndex): [string, string] {
  const items = v.list();
  if (items.length !== 2) v.expect('a pair [A, B] of nodes, DCs or regions');
  return [topo.selector(items[0]!), topo.selector(items[1]!)];
}

/** Parses one fault body (without `at`). */
export function parseFault(v: View, named: TopologyIndex): Fault {
  const topo = roleAwareTopology(named);
  const kind = v.get('kind').required().oneOf(FAULT_KINDS);
  v.allowKeys(['at', 'kind', ...FIELDS[kind]]);
  const forV = v.get('for');
  const dur = forV.present ? { for: forV.duration(1) } : {};
  const p = () => v.get('p').required().num(0, 1);
  switch (kind) {
    case 'partition': {
      const sidesV = v.get('sides').required();
      const sides = sidesV.list().map((sv) => {
        const sels = sv.list().map((x) => topo.selector(x));
        if (sels.length === 0) sv.expect('a non-empty list of nodes, DCs or regions');
        return sels;
      });
      if (sides.length < 2) sidesV.expect('at least two sides, e.g. [[n1], [n2, n3]]');
      const oneWay = v.get('oneWay').boolOr(false);
      if (oneWay && sides.length !== 2) sidesV.fail('a one-way partition has exactly two sides (from, to)');
      return { kind, sides, ...(oneWay ? { oneWay } : {}), ...dur };
    }
    case 'isolate':
      return { kind, target: topo.selector(v.get('target').required()), ...dur };
    case 'heal':
      return { kind };
    case 'crash':
    case 'pause':
      return { kind, node: topo.node(v.get('node').required()), ...dur };
    case 'restart':
    case 'resume':
      return { kind, node: topo.node(v.get('node').required()) };
    case 'clock': {
      const driftV = v.get('drift');
      return {
        kind,
        node: topo.node(v.get('node').required()),
        skew: v.get('skew').required().signedDuration(),
        ...(driftV.present ? { drift: driftV.num(-0.1, 0.1) } : {}),
        ...dur,
      };
    }
    case 'loss': {
      const bV = v.get('between');
      return { kind, p: p(), ...(bV.present ? { between: pair(bV, topo) } : {}), ...dur };
    }
    case 'duplicate':
      return { kind, p: p(), ...dur };
    case 'reorder':
      return { kind, p: p(), window: v.get('window').required().duration(1), ...dur };
    case 'slow-link':
      return { kind, between: pair(v.get('between').required(), topo), extra: v.get('extra').required().duration(1), ...dur };
    case 'slow-node':
      return { kind, node: topo.node(v.get('node').required()), extra: v.get('extra').required().duration(1), ...dur };
    case 'corrupt': {
      const where = v.get('where').required().oneOf(['mid', 'tail', 'state'] as const);
      const recV = v.get('records');
      const keyV = v.get('key');
      const svcV = v.get('svc');
      if (where === 'state' && recV.present) recV.fail('records apply to where: mid or tail');
      if (where !== 'state' && keyV.present) keyV.fail('key applies to where: state');
      return {
        kind,
        node: topo.node(v.get('node').required()),
        where,
        ...(recV.present ? { records: recV.int(1, 1000) } : {}),
        ...(keyV.present ? { key: keyV.str() } : {}),
        ...(svcV.present ? { svc: svcV.str() } : {}),
        ...dur,
      };
    }
    case 'wipe':
    case 'disk-full':
      return { kind, node: topo.node(v.get('node').required()), ...dur };
    case 'restore-stale':
      return { kind, node: topo.node(v.get('node').required()), for: v.get('for').required().duration(1) };
    case 'forge': {
      const rateV = v.get('rate').required();
      const rate = rateV.rate();
      if (!(rate > 0 && rate <= 10_000)) rateV.fail('expected a rate in (0, 10000/s]');
      return { kind, rate, ...dur };
    }
  }
}

/** Parses `faults:`; times must lie inside the run. Sorted by time (stable). */
export function parseFaults(v: View, topo: TopologyIndex, durationUs: Micros): ScheduledFault[] {
  const items = v.listOpt();
  if (items.length > MAX_SCHEDULED_FAULTS) v.fail(`at most ${MAX_SCHEDULED_FAULTS} faults`);
  const out = collectEach(v.src.errors, items, (fv) => {
    if (!fv.isMap()) fv.expect('a fault: a map with at, kind and its fields');
    const atV = fv.get('at').required();
    const at = atV.duration();
    if (at > durationUs) atV.fail(`expected a time within the run's duration (${formatDuration(durationUs)})`);
    return { at, fault: parseFault(fv, topo) };
  });
  return out.map((f, i) => ({ f, i })).sort((a, b) => a.f.at - b.f.at || a.i - b.i).map((x) => x.f);
}

const NEMESIS_KINDS = ['partition', 'isolate', 'crash', 'pause', 'clock', 'loss', 'slow-node', 'slow-link', 'corrupt', 'wipe', 'restore-stale', 'disk-full', 'forge', ...CRASH_POINT_KINDS] as const;

/**
 *   nemesis: { rate: 6/min, durationMin: 1s, durationMax: 10s, until: 50s, kinds: { crash: 2, partition: 1 } }
 */
export function parseNemesis(v: View, durationUs: Micros, topo?: TopologyIndex): NemesisSpec | undefined {
  if (!v.present) return undefined;
  v.allowKeys(['rate', 'durationMin', 'durationMax', 'until', 'kinds', ...(topo ? ['targets'] : [])]);
  // Whom node faults (isolate, crash, pause, clock, slow-node) pick from: names or roles.
  const targets = topo && v.get('targets').present ? v.get('targets').list().map((t) => roleAwareTopology(topo).selector(t)) : undefined;
  if (targets?.length === 0) v.get('targets').fail('expected at least one node, DC, region or role');
  const perSec = v.get('rate').required().rate();
  if (perSec > 100) v.get('rate').fail('expected at most 100 faults per second');
  const durationMin = v.get('durationMin').durationOr(1_000_000, 1);
  const maxV = v.get('durationMax');
  const durationMax = maxV.durationOr(Math.max(durationMin, 10_000_000), 1);
  if (durationMax < durationMin) maxV.fail('expected durationMax >= durationMin');
  const untilV = v.get('until');
  const until = untilV.durationOr(durationUs);
  if (until > durationUs) untilV.fail('expected a time within the run');
  const kindsV = v.get('kinds');
  let kinds: NemesisSpec['kinds'];
  if (kindsV.present) {
    kindsV.allowKeys(NEMESIS_KINDS);
    const k: Record<string, number> = {};
    for (const name of kindsV.keys()) k[name] = kindsV.get(name).num(0, 1000);
    if (!Object.values(k).some((w) => w > 0)) kindsV.fail('expected at least one kind with a weight > 0');
    kinds = k;
  }
  return { ratePerMin: perSec * 60, durationMin, durationMax, until, ...(kinds ? { kinds } : {}), ...(targets ? { targets } : {}) };
}

/** The YAML form of a scheduled fault (inverse of parseFaults), for written scenarios. */
export function faultToYaml(sf: ScheduledFault): Record<string, unknown> {
  const out: Record<string, unknown> = { at: formatDuration(sf.at) };
  for (const [k, val] of Object.entries(sf.fault)) {
    if (val === undefined) continue;
    if (k === 'for' || k === 'extra' || k === 'window') out[k] = formatDuration(val as number);
    else if (k === 'rate') out[k] = `${val as number}/s`;
    else if (k === 'skew') out[k] = (val as number) < 0 ? `-${formatDuration(-(val as number))}` : formatDuration(val as number);
    else out[k] = val;
  }
  return out;
}
