/**
 * Leader changes per seed (issue 16: Raft scenarios should make at least one leader change in
 * >= 95 % of seeds): runs each scenario on seeds 1..N with no mutant and counts the seeds whose
 * trace has a second `raft.elected` (an election after the first leader).
 *
 *   node bin/run-ts.js bench/mutants/leader-changes.ts [--seeds N] scenarios/a.yaml ...
 */
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

const args = process.argv.slice(2);
let seeds = 20;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seeds') seeds = Number(args[++i]);
  else files.push(args[i]!);
}
if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000 || files.length === 0) {
  console.error('leader-changes: usage: [--seeds 1..1000] scenario.yaml ...');
  process.exit(2);
}
console.log('| scenario | seeds with a leader change | elections per seed (min / median / max) |');
console.log('|---|---|---|');
for (const f of files) {
  const sc = loadScenarioFile(f);
  const counts: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    let elections = 0;
    runScenario(sc, { seed, onEvent: (ev) => void (ev.kind === 'raft.elected' && elections++) });
    counts.push(elections);
  }
  const changed = counts.filter((c) => c >= 2).length;
  const sorted = [...counts].sort((a, b) => a - b);
  console.log(`| ${f} | ${changed} / ${seeds} (${Math.round((100 * changed) / seeds)} %) | ${sorted[0]} / ${sorted[Math.floor(sorted.length / 2)]} / ${sorted[sorted.length - 1]} |`);
}
