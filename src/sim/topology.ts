/**
 * Regions ⊃ datacenters ⊃ nodes. Nodes get dense integer indices (in declaration order) so
 * the network can keep per-link state in flat arrays.
 */
import type { NodeId } from '../core/env.ts';
import type { LinkClass, Selector, TopologySpec } from './types.ts';

export class Topology {
  readonly nodes: readonly NodeId[];
  readonly dcs: readonly string[];
  readonly regions: readonly string[];
  private readonly indexOf = new Map<NodeId, number>();
  private readonly nodeDc: Int32Array;
  private readonly nodeRegion: Int32Array;
  private readonly dcRegion: number[] = [];

  constructor(spec: TopologySpec) {
    const nodes: NodeId[] = [];
    const dcs: string[] = [];
    const regions: string[] = [];
    const dcOfNode: number[] = [];
    const names = new Set<string>();
    const claim = (name: string, what: string) => {
      if (!name) throw new Error(`topology: a ${what} has an empty name`);
      if (name === '*') throw new Error(`topology: '*' is reserved and cannot name a ${what}`);
      if (names.has(name)) throw new Error(`topology: the name '${name}' is used twice (node, DC and region names must be unique)`);
      names.add(name);
    };
    for (const region of spec.regions) {
      claim(region.name, 'region');
      const r = regions.push(region.name) - 1;
      for (const dc of region.dcs) {
        claim(dc.name, 'DC');
        const d = dcs.push(dc.name) - 1;
        this.dcRegion[d] = r;
        for (const node of dc.nodes) {
          claim(node, 'node');
          this.indexOf.set(node, nodes.length);
          nodes.push(node);
          dcOfNode.push(d);
        }
      }
    }
    if (nodes.length === 0) throw new Error('topology: no nodes');
    this.nodes = nodes;
    this.dcs = dcs;
    this.regions = regions;
    this.nodeDc = Int32Array.from(dcOfNode);
    this.nodeRegion = Int32Array.from(dcOfNode.map((d) => this.dcRegion[d]!));
  }

  get size(): number {
    return this.nodes.length;
  }

  has(node: NodeId): boolean {
    return this.indexOf.has(node);
  }

  index(node: NodeId): number {
    const i = this.indexOf.get(node);
    if (i === undefined) throw new Error(`unknown node '${node}'`);
    return i;
  }

  dcOf(node: NodeId): string {
    return this.dcs[this.nodeDc[this.index(node)]!]!;
  }

  regionOf(node: NodeId): string {
    return this.regions[this.nodeRegion[this.index(node)]!]!;
  }

  /** Nodes of a DC, in declaration order. */
  nodesOfDc(dc: string): NodeId[] {
    const d = this.dcs.indexOf(dc);
    return this.nodes.filter((_, i) => this.nodeDc[i] === d);
  }

  /** DCs of a region, in declaration order. */
  dcsOfRegion(region: string): string[] {
    const r = this.regions.indexOf(region);
    return this.dcs.filter((_, d) => this.dcRegion[d] === r);
  }

  linkClass(a: number, b: number): LinkClass {
    if (a === b) return 'local';
    if (this.nodeDc[a] === this.nodeDc[b]) return 'sameDc';
    if (this.nodeRegion[a] === this.nodeRegion[b]) return 'sameRegion';
    return 'crossRegion';
  }

  /** Whether `selector` names a node, DC or region of this topology (or is '*'). */
  isSelector(selector: Selector): boolean {
    return selector === '*' || this.indexOf.has(selector) || this.dcs.includes(selector) || this.regions.includes(selector);
  }

  /** Node indices named by a selector (a node, DC or region name, or '*'). */
  resolve(selector: Selector): number[] {
    if (selector === '*') return this.nodes.map((_, i) => i);
    const n = this.indexOf.get(selector);
    if (n !== undefined) return [n];
    const d = this.dcs.indexOf(selector);
    if (d >= 0) return this.matching((i) => this.nodeDc[i] === d);
    const r = this.regions.indexOf(selector);
    if (r >= 0) return this.matching((i) => this.nodeRegion[i] === r);
    throw new Error(`'${selector}' names no node, DC or region`);
  }

  /** A bitmap (1 = member) of the nodes named by any of the selectors. */
  mask(selectors: readonly Selector[]): Uint8Array {
    const m = new Uint8Array(this.size);
    for (const s of selectors) for (const i of this.resolve(s)) m[i] = 1;
    return m;
  }

  private matching(pred: (i: number) => boolean): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (pred(i)) out.push(i);
    return out;
  }
}
