/**
 * Layers import downward only: cores are sans-I/O (they see nothing but core/); the host layer
 * (src/host) sits under both the simulator and the real host, which never import each other;
 * scenarios never import the TUI that shows them.
 */
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, importGraph, sourceFiles } from './import-graph.ts';

/** Top-level folder of src/ → folders it must not import. */
const FORBIDDEN: Record<string, readonly string[]> = {
  core: ['host', 'sim', 'net-real', 'hanode', 'scenario', 'swarm', 'shrink', 'report', 'tui', 'cli'],
  host: ['sim', 'net-real', 'hanode', 'scenario', 'swarm', 'shrink', 'report', 'tui', 'cli'],
  sim: ['net-real', 'hanode', 'tui', 'cli'],
  'net-real': ['sim', 'scenario', 'swarm', 'shrink', 'report', 'tui', 'cli'],
  scenario: ['tui', 'cli', 'net-real'],
};

function layer(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

export function violations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) {
    const banned = FORBIDDEN[layer(from)] ?? [];
    for (const to of tos) if (banned.includes(layer(to))) out.push(`${relative(SRC, from)} -> ${relative(SRC, to)}`);
  }
  return out.sort();
}

/**
 * core/coord and core/store must not import each other both ways: the store is built from
 * coord's replicated data model (catalog, checks, sessions,
 * leases, the ZooKeeper tree, their limits and id formats), and coord's services (node,
 * drivers, RPC and tree servers, proposer users) sit on the store. So store may import only
 * those model files, and nothing a model file reaches (transitively) may be in store.
 */
const COORD_MODEL = ['catalog.ts', 'checks.ts', 'leases.ts', 'sessions.ts', 'config.ts', 'ids.ts', 'tree/tree.ts', 'tree/types.ts', 'tree/paths.ts'].map((f) => `core/coord/${f}`);

export function coordStoreViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const rel = (f: string) => relative(SRC, f);
  const out: string[] = [];
  for (const [from, tos] of graph) {
    if (!rel(from).startsWith('core/store/')) continue;
    for (const to of tos) if (rel(to).startsWith('core/coord/') && !COORD_MODEL.includes(rel(to))) out.push(`${rel(from)} -> ${rel(to)} (not coord's data model)`);
  }
  for (const model of COORD_MODEL) {
    const seen = new Set<string>();
    const todo = [...graph.keys()].filter((k) => rel(k) === model);
    for (let i = 0; i < todo.length && i < 10_000; i++) {
      const f = todo[i]!;
      for (const to of graph.get(f) ?? []) {
        if (seen.has(to)) continue;
        seen.add(to);
        if (rel(to).startsWith('core/store/')) out.push(`${model} reaches ${rel(to)}`);
        else todo.push(to);
      }
    }
  }
  return out.sort();
}

describe('layers', () => {
  it('import downward only', () => {
    expect(violations(importGraph(sourceFiles(SRC)))).toEqual([]);
  });

  it('core/store imports only coord\'s data model, which never reaches core/store', () => {
    expect(coordStoreViolations(importGraph(sourceFiles(SRC)))).toEqual([]);
  });

  it('the coord/store check sees a store -> coord service import and a model -> store path', () => {
    const g = new Map([
      [`${SRC}/core/store/x.ts`, [`${SRC}/core/coord/node.ts`, `${SRC}/core/coord/catalog.ts`]],
      [`${SRC}/core/coord/catalog.ts`, [`${SRC}/core/coord/helper.ts`]],
      [`${SRC}/core/coord/helper.ts`, [`${SRC}/core/store/commands.ts`]],
    ]);
    expect(coordStoreViolations(g)).toEqual(['core/coord/catalog.ts reaches core/store/commands.ts', 'core/store/x.ts -> core/coord/node.ts (not coord\'s data model)']);
  });

  it('the check sees an upward import', () => {
    const g = new Map([[`${SRC}/net-real/x.ts`, [`${SRC}/sim/world.ts`]]]);
    expect(violations(g)).toEqual(['net-real/x.ts -> sim/world.ts']);
  });
});
