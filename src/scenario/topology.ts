/**
 * The scenario's topology (regions ⊃ DCs ⊃ nodes) and selector resolution.
 * A selector names a node, a DC or a region (names are unique across the three levels,
 * as src/sim/types.ts requires) or '*' for every node.
 */
import type { NodeId } from '../core/env.ts';
import type { TopologySpec } from '../sim/types.ts';
import type { View } from './yaml-view.ts';

export interface NodePlace {
  readonly id: NodeId;
  readonly dc: string;
  readonly region: string;
}

/** Upper bound on nodes: a simulated world is one process; keep runs small enough to swarm. */
export const MAX_NODES = 200;

export class TopologyIndex {
  readonly nodes: readonly NodePlace[];
  private readonly groups = new Map<string, NodeId[]>();

  constructor(readonly spec: TopologySpec) {
    const nodes: NodePlace[] = [];
    for (const r of spec.regions) {
      const inRegion: NodeId[] = [];
      for (const d of r.dcs) {
        this.groups.set(d.name, [...d.nodes]);
        for (const n of d.nodes) {
          nodes.push({ id: n, dc: d.name, region: r.name });
          this.groups.set(n, [n]);
          inRegion.push(n);
        }
      }
      this.groups.set(r.name, inRegion);
    }
    this.nodes = nodes;
    this.groups.set(
      '*',
      nodes.map((n) => n.id),
    );
  }

  has(selector: string): boolean {
    return this.groups.has(selector);
  }

  /** Node ids a selector names, in topology order; [] for an unknown one. */
  expand(selector: string): NodeId[] {
    return [...(this.groups.get(selector) ?? [])];
  }

  /** Union of several selectors, in topology order, without duplicates. */
  expandAll(selectors: readonly string[]): NodeId[] {
    const want = new Set(selectors.flatMap((s) => this.expand(s)));
    return this.nodes.filter((n) => want.has(n.id)).map((n) => n.id);
  }

  isNode(name: string): boolean {
    return this.nodes.some((n) => n.id === name);
  }

  place(id: NodeId): NodePlace | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  dcs(): string[] {
    return this.spec.regions.flatMap((r) => r.dcs.map((d) => d.name));
  }

  /** Validates a selector at View v (node, DC, region or '*'). */
  selector(v: View): string {
    const s = v.str();
    if (!this.has(s)) v.fail(`unknown node, DC or region "${s}"; known: ${[...this.groups.keys()].slice(0, 30).join(', ')}`);
    return s;
  }

  /** Validates a node name at View v. */
  node(v: View): NodeId {
    const s = v.str();
    if (!this.isNode(s)) v.fail(`unknown node "${s}"; expected one of: ${this.nodes.map((n) => n.id).join(', ')}`);
    return s;
  }

  /** A selector or a list of selectors → node ids (non-empty). */
  nodesOf(v: View): NodeId[] {
    const sels = v.isSeq() ? v.list().map((x) => this.selector(x)) : [this.selector(v)];
    const ids = this.expandAll(sels);
    if (ids.length === 0) v.fail('expected at least one node');
    return ids;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Parses `topology:`; names must be unique across regions, DCs and nodes. */
export function parseTopology(v: View): TopologyIndex {
  v.required().allowKeys(['regions']);
  const seen = new Set<string>(['*']);
  const name = (x: View, what: string): string => {
    const s = x.str();
    if (!NAME.test(s)) x.expect(`a ${what} name of letters, digits, '-', '_' or '.'`);
    if (seen.has(s)) x.fail(`name "${s}" is used twice; region, DC and node names must be unique`);
    seen.add(s);
    return s;
  };
  let count = 0;
  const regions = v
    .get('regions')
    .required()
    .list()
    .map((rv) => {
      rv.allowKeys(['name', 'dcs']);
      const rname = name(rv.get('name').required(), 'region');
      const dcs = rv
        .get('dcs')
        .required()
        .list()
        .map((dv) => {
          dv.allowKeys(['name', 'nodes']);
          const dname = name(dv.get('name').required(), 'DC');
          const nodesV = dv.get('nodes').required();
          const nodes = nodesV.list().map((nv) => name(nv, 'node'));
          if (nodes.length === 0) nodesV.fail('expected at least one node');
          count += nodes.length;
          if (count > MAX_NODES) nodesV.fail(`at most ${MAX_NODES} nodes in a scenario`);
          return { name: dname, nodes };
        });
      if (dcs.length === 0) rv.get('dcs').fail('expected at least one DC');
      return { name: rname, dcs };
    });
  if (regions.length === 0) v.get('regions').fail('expected at least one region');
  return new TopologyIndex({ regions });
}
