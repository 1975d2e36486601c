/**
 * A picture of the cluster at one instant, for the TUI: per node its Raft role, term and
 * commit index, its SWIM view, its health results; the cut links summarised per DC pair.
 * Cores are read through the small inspection methods they expose (duck-typed, so the view
 * shows whatever services a scenario runs and nothing breaks when one is absent).
 */
import type { Micros } from '../core/env.ts';
import type { World } from '../sim/index.ts';

export interface NodeSnapshot {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  readonly raft?: { role: string; term: number; commit: number; leader?: string };
  readonly swim?: { alive: number; suspect: number; dead: number; incarnation?: number };
  /** target → the status this node's latest check saw. */
  readonly health?: Record<string, string>;
  readonly clockSkewUs: number;
}

export interface DcSnapshot {
  readonly name: string;
  readonly nodes: NodeSnapshot[];
}

export interface RegionSnapshot {
  readonly name: string;
  readonly dcs: DcSnapshot[];
}

export interface CutSummary {
  readonly from: string;
  readonly to: string;
  /** Directed node pairs cut between the two DCs, of all pairs. */
  readonly cut: number;
  readonly of: number;
}

export interface ClusterSnapshot {
  readonly now: Micros;
  readonly events: number;
  readonly messages: number;
  readonly regions: RegionSnapshot[];
  readonly cuts: CutSummary[];
}

type Dict = Record<string, unknown>;
const fn = (o: unknown, name: string): ((...a: unknown[]) => unknown) | undefined => {
  const f = o && typeof o === 'object' ? (o as Dict)[name] : undefined;
  return typeof f === 'function' ? (f as (...a: unknown[]) => unknown).bind(o) : undefined;
};

function parts(app: unknown): unknown[] {
  if (!app || typeof app !== 'object') return [];
  return Object.values(app as Dict).filter((v) => v && typeof v === 'object');
}

function raftOf(app: unknown): NodeSnapshot['raft'] {
  for (const p of parts(app)) {
    const role = fn(p, 'role');
    const term = fn(p, 'term');
    const commit = fn(p, 'commitIndex');
    if (role && term && commit) {
      const leader = fn(p, 'leader')?.();
      return { role: String(role()), term: Number(term()), commit: Number(commit()), ...(typeof leader === 'string' ? { leader } : {}) };
    }
  }
  return undefined;
}

function swimOf(app: unknown): NodeSnapshot['swim'] {
  for (const p of parts(app)) {
    const members = fn(p, 'members');
    if (!members || fn(p, 'role')) continue;
    const list = members();
    if (!Array.isArray(list)) continue;
    let alive = 0;
    let suspect = 0;
    let dead = 0;
    for (const m of list as Dict[]) {
      const s = String(m.status ?? m.state ?? '');
      if (s === 'alive') alive++;
      else if (s === 'suspect') suspect++;
      else dead++;
    }
    const inc = fn(p, 'incarnation')?.();
    return { alive, suspect, dead, ...(typeof inc === 'number' ? { incarnation: inc } : {}) };
  }
  return undefined;
}

function healthOf(app: unknown): NodeSnapshot['health'] {
  for (const p of parts(app)) {
    const detector = fn(p, 'detectorData') ?? fn(p, 'localResults');
    if (!detector) continue;
    const rows = detector();
    const out: Record<string, string> = {};
    if (Array.isArray(rows)) for (const r of rows as Dict[]) out[String(r.target ?? r.key)] = String(r.status);
    else if (rows && typeof rows === 'object') for (const [k, v] of Object.entries(rows as Dict)) out[k] = String((v as Dict)?.status ?? v);
    return out;
  }
  return undefined;
}

export function snapshotCluster(world: World): ClusterSnapshot {
  const topo = world.topology;
  const regions: RegionSnapshot[] = topo.regions.map((r) => ({
    name: r,
    dcs: topo.dcsOfRegion(r).map((dc) => ({
      name: dc,
      nodes: topo.nodesOfDc(dc).map((id) => {
        const app = world.app(id);
        const raft = app ? raftOf(app) : undefined;
        const swim = app ? swimOf(app) : undefined;
        const health = app ? healthOf(app) : undefined;
        return {
          id,
          up: world.isUp(id),
          paused: world.isPaused(id),
          clockSkewUs: world.clockOf(id).skew,
          ...(raft ? { raft } : {}),
          ...(swim ? { swim } : {}),
          ...(health ? { health } : {}),
        };
      }),
    })),
  }));
  return { now: world.now(), events: world.stats.events, messages: world.stats.sent, regions, cuts: summariseCuts(world) };
}

function summariseCuts(world: World): CutSummary[] {
  if (!world.network.hasCuts()) return [];
  const topo = world.topology;
  const counts = new Map<string, number>();
  for (const [a, b] of world.network.cutPairs()) {
    const key = `${topo.dcOf(topo.nodes[a]!)}\u0000${topo.dcOf(topo.nodes[b]!)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const size = (dc: string) => topo.nodesOfDc(dc).length;
  return [...counts].map(([key, cut]) => {
    const [from, to] = key.split('\u0000') as [string, string];
    return { from, to, cut, of: from === to ? size(from) * (size(from) - 1) : size(from) * size(to) };
  });
}
