/**
 * Loading a scenario file: YAML → validated `Scenario`, or a ScenarioError naming
 * FILE:LINE:COL, the field path and what was expected. Nothing runs on a bad file.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { LatencySpec } from '../sim/types.ts';
import { ScenarioError } from './errors.ts';
import { collect, collectEach, throwCollected } from './error-list.ts';
import { repairFlowParens } from './flow-parens.ts';
import { faultsUseRoles } from './role-selectors.ts';
import { isRoleSelector } from '../sim/roles.ts';
import { DEFAULT_SYNC_LATENCY_US } from '../sim/disk-sync.ts';
import { parseFaults, parseNemesis } from './faults.ts';
import { MODULES, moduleOwning } from './modules/index.ts';
import { parseTopology } from './topology.ts';
import type { ExpectationSpec, ParseContext, Scenario } from './types.ts';
import { View } from './yaml-view.ts';

/** Upper bound on virtual time: a day keeps µs far inside safe integers and a run finite. */
export const MAX_DURATION_US = 24 * 3_600_000_000;
/** A minute: long enough for a few elections and a fault or two; a scenario choice. */
const DEFAULT_DURATION_US = 60_000_000;

const CORE_KEYS = ['name', 'description', 'seed', 'duration', 'topology', 'latency', 'network', 'disk', 'faults', 'nemesis', 'expect'];

export function loadScenarioFile(file: string, overrides?: { durationUs?: number }): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, 0, 0, '', `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseScenario(text, file, overrides);
}

/** Parses scenario text. `file` is only used in messages. */
export function parseScenario(text: string, file = '<scenario>', overrides?: { durationUs?: number }): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throwCollected(
      doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return new ScenarioError(file, p.line, p.col, '', `invalid YAML: ${e.message.split('\n')[0]}`);
      }),
    );
  }
  repairFlowParens(doc.contents);
  // Every independent part is validated even after another failed; all errors, in file order.
  const errors: ScenarioError[] = [];
  const src = { file, lines, errors };
  const root = new View(src, doc.contents, '');
  if (!root.isMap()) root.expect('a map with topology, faults, expect, ...');
  root.allowKeys([...CORE_KEYS, ...MODULES.map((m) => m.name)]);

  const topology = collect(errors, () => parseTopology(root.get('topology')));
  if (!topology) throwCollected(errors);
  const durV = root.get('duration');
  let durationUs =
    collect(errors, () => {
      const d = durV.durationOr(DEFAULT_DURATION_US, 1);
      if (d > MAX_DURATION_US) durV.fail('expected at most 24h of virtual time');
      return d;
    }) ?? DEFAULT_DURATION_US;
  if (overrides?.durationUs !== undefined) durationUs = overrides.durationUs;
  const modules = new Map<string, unknown>();
  const ctx: ParseContext = { topology: topology!, durationUs, modules };

  const latency = collect(errors, () => parseLatencySection(root.get('latency'), ctx));
  const netV = root.get('network');
  const network = collect(errors, () => netV.allowKeys(['loss', 'duplicate', 'reorder', 'reorderWindow']).present
    ? {
        loss: netV.get('loss').numOr(0, 0, 1),
        duplicate: netV.get('duplicate').numOr(0, 0, 1),
        reorder: netV.get('reorder').numOr(0, 0, 1),
        ...(netV.get('reorderWindow').present ? { reorderWindow: netV.get('reorderWindow').duration(1) } : {}),
      }
    : undefined);
  const diskV = root.get('disk');
  const disk = collect(errors, () => diskV.allowKeys(['unsyncedLoss', 'tornWrite', 'syncLatency', 'blockingSyncLatency']).present
    ? // The simulator's own defaults (src/sim/world.ts), repeated so a partial section keeps them.
      {
        unsyncedLoss: diskV.get('unsyncedLoss').numOr(0.5, 0, 1),
        tornWrite: diskV.get('tornWrite').numOr(0.2, 0, 1),
        syncLatencyUs: diskV.get('syncLatency').durationOr(DEFAULT_SYNC_LATENCY_US, 0),
        blockingSyncLatencyUs: diskV.get('blockingSyncLatency').durationOr(0, 0),
      }
    : undefined);

  const badModules = new Set<string>();
  for (const m of MODULES) {
    const mv = root.get(m.name);
    if (!mv.present) continue;
    const before = errors.length;
    collect(errors, () => modules.set(m.name, m.parse(mv, ctx)));
    if (errors.length > before && !modules.has(m.name)) badModules.add(m.name);
  }
  for (const m of MODULES) {
    if (!modules.has(m.name)) continue;
    for (const r of m.requires ?? []) {
      if (!modules.has(r) && !badModules.has(r)) collect(errors, () => root.get(m.name).fail(`the ${m.name} module needs a \`${r}:\` section too`));
    }
  }

  const expectations: ExpectationSpec[] = collectEach(errors, collect(errors, () => root.get('expect').listOpt()) ?? [], (ev) => {
      let kind: string;
      let pv: View;
      if (ev.isScalar()) {
        kind = ev.str();
        pv = new View(src, undefined, ev.path);
      } else {
        const keys = ev.keys();
        if (keys.length !== 1) ev.expect('an expectation: a name ("raft-safety") or one name: value ("leader-within: 10s")');
        kind = keys[0]!;
        pv = ev.get(kind);
      }
      const owner = moduleOwning(kind);
      if (!owner) {
        const known = MODULES.flatMap((m) => Object.keys(m.expectations));
        return ev.fail(`unknown expectation "${kind}"; expected one of: ${known.join(', ')}`);
      }
      if (!modules.has(owner.name)) {
        if (badModules.has(owner.name)) return ev.fail(`"${kind}" needs a valid \`${owner.name}:\` section (see the error above)`);
        return ev.fail(`"${kind}" is checked by the ${owner.name} module: add a \`${owner.name}:\` section`);
      }
      const def = owner.expectations[kind]!;
      const params = def.parse(pv, ctx);
      return { kind, module: owner.name, params, name: def.name(params), line: ev.where().line };
    });

  const seedV = root.get('seed');
  const name = collect(errors, () => root.get('name').strOr(file.replace(/^.*\//, '').replace(/\.ya?ml$/, '')));
  const description = collect(errors, () => root.get('description').strOr(''));
  const seed = collect(errors, () => seedV.intOr(1, 0, 2 ** 32 - 1));
  const faults = collect(errors, () => parseFaults(root.get('faults'), topology!, durationUs));
  const nemesis = collect(errors, () => parseNemesis(root.get('nemesis'), durationUs, topology));
  if ((faults && faultsUseRoles(faults, topology!)) || nemesis?.targets?.some((t) => isRoleSelector(t) && !topology!.has(t))) {
    if (!modules.has('raft') && !badModules.has('raft')) collect(errors, () => root.get('faults').present ? root.get('faults').fail('role selectors (leader, followers, ...) need a `raft:` section: Raft says who leads') : root.get('nemesis').fail('role selectors need a `raft:` section'));
  }
  throwCollected(errors);
  return {
    file,
    name: name!,
    description: description!,
    seed: seed!,
    durationUs,
    topology: topology!,
    ...(latency ? { latency } : {}),
    ...(network ? { network } : {}),
    ...(disk ? { disk } : {}),
    faults: faults!,
    ...(nemesis ? { nemesis } : {}),
    modules,
    expectations,
    source: text,
  };
}

function parseLatencySection(v: View, ctx: ParseContext): Partial<LatencySpec> | undefined {
  if (!v.present) return undefined;
  v.allowKeys(['sameDc', 'sameRegion', 'crossRegion', 'overrides']);
  const out: { -readonly [K in keyof LatencySpec]?: LatencySpec[K] } = {};
  for (const k of ['sameDc', 'sameRegion', 'crossRegion'] as const) {
    if (v.get(k).present) out[k] = v.get(k).latency();
  }
  const ov = v.get('overrides').listOpt();
  if (ov.length > 0) {
    out.overrides = ov.map((o) => {
      o.allowKeys(['between', 'dist']);
      const b = o.get('between').required().list();
      if (b.length !== 2) o.get('between').expect('a pair [A, B] of nodes, DCs or regions');
      return {
        between: [ctx.topology.selector(b[0]!), ctx.topology.selector(b[1]!)] as const,
        dist: o.get('dist').required().latency(),
      };
    });
  }
  return out;
}
