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

describe('layers', () => {
  it('import downward only', () => {
    expect(violations(importGraph(sourceFiles(SRC)))).toEqual([]);
  });

  it('the check sees an upward import', () => {
    const g = new Map([[`${SRC}/net-real/x.ts`, [`${SRC}/sim/world.ts`]]]);
    expect(violations(g)).toEqual(['net-real/x.ts -> sim/world.ts']);
  });
});
