/**
 * Re-renders a kill matrix from the JSON cells a mutation run wrote (mutate.ts writes both), with
 * the current catalogue's entries (rules, equivalence arguments): for a run made before an entry
 * changed, or a matrix moved into a narrative document.
 *
 *   node bin/run-ts.js bench/mutants/render.ts CELLS.json SEEDS 'COMMAND' > OUT.md
 */
import { readFileSync } from 'node:fs';
import { CATALOGUE } from './catalogue.ts';
import { renderMatrix, type Cell } from './matrix.ts';

const [file, seedsArg, command] = process.argv.slice(2);
const seeds = Number(seedsArg);
if (file === undefined || !Number.isInteger(seeds) || seeds < 1 || command === undefined) {
  console.error('render: usage: CELLS.json SEEDS COMMAND');
  process.exit(2);
}
let cells: Cell[];
try {
  cells = JSON.parse(readFileSync(file, 'utf8')) as Cell[];
} catch (e) {
  console.error(`render: cannot read ${file}: ${(e as Error).message}`);
  process.exit(2);
}
const ran = new Set(cells.map((c) => c.mutant));
const mutants = CATALOGUE.filter((m) => ran.has(m.name));
process.stdout.write(renderMatrix(cells, mutants, { seeds, complete: true, command }));
