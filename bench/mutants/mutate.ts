/**
 * `npm run mutate`: runs scenario swarms against each mutant of the catalogue (catalogue.ts)
 * and writes the kill matrix (mutant × scenario: failing seeds of N, first failing seed, the
 * expectations that failed) to docs/mutants-matrix.md (--out), plus the raw cells as JSON beside it;
 * docs/mutants.md embeds a run with its narrative (render.ts re-renders one from its JSON).
 *
 *   npm run mutate -- [--seeds N] [--only a,b] [--all] [--workers K] [--parallel P] [--out FILE] [--no-control]
 *
 * Each cell is one `hasim run FILE --swarm N --json` child with HASIM_MUTANTS=<name>. A control
 * row (no mutant) runs every scenario used, so a kill is only counted where the unmutated code
 * passes. Progress goes to stderr; the matrix file is rewritten after every cell, so an
 * interrupted run still leaves what it measured.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOGUE, switchesOf } from './catalogue.ts';
import { renderMatrix, type Cell } from './matrix.ts';

const root = resolve(import.meta.dirname, '..', '..');

function fail(msg: string): never {
  console.error(`mutate: ${msg}`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]) {
  const o = { seeds: 30, only: undefined as string[] | undefined, all: false, workers: 2, parallel: 1, out: 'docs/mutants-matrix.md', control: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--seeds') o.seeds = Number(val());
    else if (a === '--only') o.only = val().split(',');
    else if (a === '--all') o.all = true;
    else if (a === '--workers') o.workers = Number(val());
    else if (a === '--parallel') o.parallel = Number(val());
    else if (a === '--out') o.out = val();
    else if (a === '--no-control') o.control = false;
    else fail(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.seeds) || o.seeds < 1 || o.seeds > 5000) fail('--seeds must be an integer 1..5000');
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 16) fail('--workers must be an integer 1..16');
  if (!Number.isInteger(o.parallel) || o.parallel < 1 || o.parallel > 8) fail('--parallel must be an integer 1..8');
  const known = new Set(CATALOGUE.map((m) => m.name));
  for (const n of o.only ?? []) if (!known.has(n)) fail(`unknown mutant ${n}`);
  return o;
}

function libraryScenarios(): string[] {
  return readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();
}

interface SwarmJson {
  runs: number;
  failed: number;
  failingSeeds: number[];
  failures: { seed: number; expectations: { name: string; status: string; detail?: string }[] }[];
}

function runCell(scenario: string, mutant: string | undefined, switches: string, seeds: number, workers: number): Promise<Cell> {
  const started = Date.now();
  return new Promise((done) => {
    const args = [join(root, 'bin', 'hasim.js'), 'run', join('scenarios', scenario), '--swarm', String(seeds), '--workers', String(workers), '--json', '--quiet'];
    const env = { ...process.env, HASIM_MUTANTS: switches };
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const base = { mutant: mutant ?? '(none)', scenario, seeds, wallS: Math.round((Date.now() - started) / 1000) };
      try {
        const j = JSON.parse(out) as SwarmJson;
        const first = j.failures[0];
        const checkers = [...new Set(j.failures.flatMap((f) => f.expectations.map((e) => e.name)))];
        done({ ...base, runs: j.runs, failed: j.failed, firstSeed: first?.seed, checkers, firstDetail: first?.expectations[0]?.detail?.split('\n')[0]?.slice(0, 160) });
      } catch {
        done({ ...base, runs: 0, failed: 0, checkers: [], error: `exit ${code}: ${(err || out).trim().split('\n')[0]?.slice(0, 200) ?? ''}` });
      }
    });
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const mutants = CATALOGUE.filter((m) => o.only === undefined || o.only.includes(m.name));
  const plan: { mutant: string | undefined; scenario: string }[] = [];
  const used = new Set<string>();
  for (const m of mutants) for (const s of o.all ? libraryScenarios() : m.scenarios) used.add(s);
  if (o.control) for (const s of [...used].sort()) plan.push({ mutant: undefined, scenario: s });
  for (const m of mutants) for (const s of o.all ? libraryScenarios() : m.scenarios) plan.push({ mutant: m.name, scenario: s });
  const cells: Cell[] = [];
  const t0 = Date.now();
  const outPath = resolve(root, o.out);
  console.error(`mutate: ${mutants.length} mutants, ${plan.length} cells of ${o.seeds} seeds → ${o.out}`);
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const p = plan[next++]!;
      const m = CATALOGUE.find((c) => c.name === p.mutant);
      const cell = await runCell(p.scenario, p.mutant, m ? switchesOf(m) : '', o.seeds, o.workers);
      cells.push(cell);
      const elapsed = (Date.now() - t0) / 1000;
      const eta = (elapsed / cells.length) * (plan.length - cells.length);
      const verdict = cell.error ? `ERROR ${cell.error}` : `${cell.failed}/${cell.runs} failed${cell.firstSeed !== undefined ? ` (first seed ${cell.firstSeed}: ${cell.checkers.join('; ')})` : ''}`;
      console.error(`[${cells.length}/${plan.length}] ${cell.mutant} × ${p.scenario}: ${verdict}  ${cell.wallS}s, elapsed ${Math.round(elapsed)}s, eta ${Math.round(eta)}s`);
      const sorted = [...cells].sort((a, b) => order(a) - order(b));
      writeFileSync(outPath, renderMatrix(sorted, mutants, { seeds: o.seeds, complete: cells.length === plan.length, command: `npm run mutate -- ${process.argv.slice(2).join(' ')}`.trim() }));
      writeFileSync(outPath.replace(/\.md$/, '') + '.json', JSON.stringify(sorted, null, 1) + '\n');
    }
  };
  const order = (c: Cell) => plan.findIndex((p) => (p.mutant ?? '(none)') === c.mutant && p.scenario === c.scenario);
  await Promise.all(Array.from({ length: o.parallel }, worker));
  const killed = mutants.filter((m) => cells.some((c) => c.mutant === m.name && c.failed > 0 && !controlFailed(cells, c.scenario))).length;
  console.error(`mutate: ${killed} of ${mutants.length} mutants killed; matrix in ${o.out}`);
}

function controlFailed(cells: readonly Cell[], scenario: string): boolean {
  return cells.some((c) => c.mutant === '(none)' && c.scenario === scenario && (c.failed > 0 || c.error !== undefined));
}

await main();
