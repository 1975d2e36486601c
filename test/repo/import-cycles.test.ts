/**
 * No import cycle between files of src/ (what `npx madge --circular src` checks), type-only
 * imports included: a cycle makes load order matter and hides a missing layer.
 */
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { SRC, cycles, importGraph, sourceFiles } from './import-graph.ts';

describe('import graph of src/', () => {
  it('has no cycle', () => {
    const graph = importGraph(sourceFiles(SRC));
    expect(graph.size).toBeGreaterThan(100);
    const names = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).sort().join(' <-> '));
    expect(names).toEqual([]);
  });

  it('the check sees a cycle, a type-only one included', () => {
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    const c = join(SRC, 'c.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]], [c, [a]]]))).toHaveLength(1);
    const info = ts.preProcessFile("import type { X } from './b.ts';\nexport { Y } from './c.ts';", true, true);
    expect(info.importedFiles.map((i) => i.fileName)).toEqual(['./b.ts', './c.ts']);
  });
});
