/**
 * `hasim compare FILE --seeds A..B [--json] [--report r.html]` (compare.ts; wired by
 * compare-command.ts): for each seed,
 * the scenario in the simulator (loopback latency) and on real agents (`hasim run --real`),
 * one after the other; a line per seed on stderr as it completes, then the side-by-side table
 * (or one JSON object) with the disagreements beyond the stated tolerance. Exit 0 when sim and
 * real agree on every verdict, 1 otherwise (the figures' disagreements are reported, not
 * counted: they are what the report is for).
 */
import { writeFileSync } from 'node:fs';
import { load, UsageError, EXIT_FAIL, EXIT_PASS } from '../cli/commands/common.ts';
import { checkOutputs } from '../cli/commands/output-paths.ts';
import { parseSeedRange } from '../swarm/seeds.ts';
import { esc } from '../report/escape.ts';
import { disagree, faultTimesUs, figures, loopbackScenario, median, simDcDown, simLeaderships, TOLERANCE, type Figures, type Metric } from './compare.ts';

/** Real runs are minutes each: a comparison takes at most this many seeds. */
const MAX_COMPARE_SEEDS = 100;

interface SeedRow {
  readonly seed: number;
  readonly sim: Figures;
  readonly real: Figures;
  readonly realIncomplete: boolean;
}

const METRICS: readonly { key: Metric; label: string; pick: (f: Figures) => number[] | number | undefined; unit: 'us' | 'ratio' }[] = [
  { key: 'newLeader', label: 'new leader after a fault event', pick: (f) => f.newLeaderUs, unit: 'us' },
  { key: 'dcDown', label: 'target lost → DOWN declared', pick: (f) => f.dcDownUs, unit: 'us' },
  { key: 'unavailability', label: 'client unavailability', pick: (f) => f.unavailability, unit: 'ratio' },
  { key: 'writeP50', label: 'write latency p50', pick: (f) => f.writeP50Us, unit: 'us' },
  { key: 'writeP99', label: 'write latency p99', pick: (f) => f.writeP99Us, unit: 'us' },
];

export async function compareCommand(file: string, flags: { seeds: string; json?: boolean; report?: string }): Promise<number> {
  const seeds = parseSeedRange(flags.seeds);
  if (!seeds || seeds.length > MAX_COMPARE_SEEDS) throw new UsageError(`--seeds: expected A..B with at most ${MAX_COMPARE_SEEDS} seeds, got "${flags.seeds}"`);
  checkOutputs([['--report', flags.report]]);
  const sc = load(file, undefined);
  const raft = sc.modules.get('raft') as { voters?: readonly string[] } | undefined;
  if (!raft?.voters?.length) throw new UsageError(`${file}: compare runs it for real, which needs a raft: section with voters`);
  const { runScenario } = await import('../scenario/runner.ts');
  const { runReal } = await import('./run.ts');
  const faults = faultTimesUs(sc);
  const names = sc.expectations.map((e) => e.name);
  const simSc = loopbackScenario(sc);
  const rows: SeedRow[] = [];
  for (const seed of seeds) {
    const s = runScenario(simSc, { seed, recordTrace: true, keepHistory: true });
    const trace = s.trace ?? [];
    const sim = figures({ leaderships: simLeaderships(trace), faults, dcDownUs: simDcDown(sc, trace), history: s.history ?? [], clients: s.clients ?? [], durationUs: sc.durationUs, verdicts: s.expectations, expectations: names });
    let real: Figures;
    let realIncomplete = true;
    try {
      const r = await runReal(sc, { seed });
      realIncomplete = r.incomplete;
      real = figures({ leaderships: r.raftLeaderships.map((l) => ({ term: l.term, atUs: l.atMs * 1000 })), faults, dcDownUs: [...r.detectionUs], history: r.history, clients: r.failoverClients, durationUs: sc.durationUs, verdicts: r.verdicts, expectations: names });
    } catch (e) {
      process.stderr.write(`seed ${seed}: the real run broke off: ${(e as Error).message}\n`);
      real = { newLeaderUs: [], dcDownUs: [], unavailability: undefined, writeP50Us: undefined, writeP99Us: undefined, verdicts: [] };
    }
    rows.push({ seed, sim, real, realIncomplete });
    process.stderr.write(`${seedLine({ seed, sim, real, realIncomplete })}\n`);
  }
  const verdictDiffs = rows.flatMap((r) => r.sim.verdicts.filter((v) => r.real.verdicts.find((x) => x.name === v.name)?.status !== v.status).map((v) => ({ seed: r.seed, name: v.name, sim: v.status, real: r.real.verdicts.find((x) => x.name === v.name)?.status ?? 'none' })));
  const summary = METRICS.map((m) => {
    const simAll = rows.flatMap((r) => flat(m.pick(r.sim)));
    const realAll = rows.flatMap((r) => flat(m.pick(r.real)));
    const sm = median(simAll);
    const rm = median(realAll);
    return { metric: m.key, label: m.label, unit: m.unit, sim: spread(simAll), real: spread(realAll), disagree: simAll.length + realAll.length > 0 && disagree(m.key, sm, rm) };
  });
  if (flags.report) writeFileSync(flags.report, html(sc.name, rows, summary, verdictDiffs));
  if (flags.json) process.stdout.write(`${JSON.stringify({ scenario: sc.name, seeds, tolerance: TOLERANCE, summary, verdictDiffs, perSeed: rows })}\n`);
  else process.stdout.write(`${text(sc.name, rows, summary, verdictDiffs)}\n`);
  return verdictDiffs.length === 0 ? EXIT_PASS : EXIT_FAIL;
}

function flat(v: number[] | number | undefined): number[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function spread(xs: readonly number[]): { n: number; min?: number; median?: number; max?: number } {
  if (xs.length === 0) return { n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, min: s[0]!, median: median(s)!, max: s[s.length - 1]! };
}

function fmt(v: number | undefined, unit: 'us' | 'ratio'): string {
  if (v === undefined) return '-';
  if (unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  return v >= 1_000_000 ? `${(v / 1e6).toFixed(2)}s` : v >= 1000 ? `${(v / 1000).toFixed(1)}ms` : `${Math.round(v)}µs`;
}

function fmtSpread(s: { n: number; min?: number; median?: number; max?: number }, unit: 'us' | 'ratio'): string {
  return s.n === 0 ? '-' : `${fmt(s.median, unit)} [${fmt(s.min, unit)}..${fmt(s.max, unit)}] n=${s.n}`;
}

function seedLine(r: SeedRow): string {
  const m = METRICS.map((x) => `${x.key} ${flat(x.pick(r.sim)).map((v) => fmt(v, x.unit)).join(',') || '-'} / ${flat(x.pick(r.real)).map((v) => fmt(v, x.unit)).join(',') || '-'}`).join('; ');
  const v = r.sim.verdicts.map((s) => `${s.status === (r.real.verdicts.find((x) => x.name === s.name)?.status ?? 'none') ? '=' : '≠'}${s.status}/${r.real.verdicts.find((x) => x.name === s.name)?.status ?? 'none'}`).join(' ');
  return `seed ${r.seed} (sim / real): ${m}; verdicts ${v}${r.realIncomplete ? ' (real INCOMPLETE)' : ''}`;
}

type Summary = { metric: Metric; label: string; unit: 'us' | 'ratio'; sim: ReturnType<typeof spread>; real: ReturnType<typeof spread>; disagree: boolean }[];
type Diffs = { seed: number; name: string; sim: string; real: string }[];

function text(name: string, rows: readonly SeedRow[], summary: Summary, diffs: Diffs): string {
  const lines = [`${name} — simulator (loopback latency) vs real hanode processes, ${rows.length} seed(s); median [min..max]`];
  const w = Math.max(...summary.map((s) => s.label.length));
  for (const s of summary) lines.push(`  ${s.label.padEnd(w)}  sim ${fmtSpread(s.sim, s.unit).padEnd(34)} real ${fmtSpread(s.real, s.unit).padEnd(34)}${s.disagree ? ' DISAGREE' : ''}`);
  const names = [...new Set(rows.flatMap((r) => r.sim.verdicts.map((v) => v.name)))];
  for (const n of names) {
    const sp = rows.filter((r) => r.sim.verdicts.find((v) => v.name === n)?.status === 'pass').length;
    const rp = rows.filter((r) => r.real.verdicts.find((v) => v.name === n)?.status === 'pass').length;
    lines.push(`  verdict ${n}: pass in sim ${sp}/${rows.length}, real ${rp}/${rows.length}${sp !== rp ? ' DISAGREE' : ''}`);
  }
  lines.push(`tolerance: times |real-sim| > max(${TOLERANCE.timeAbsUs / 1e6}s, ${TOLERANCE.timeRel * 100}% of sim); unavailability > ${TOLERANCE.unavailabilityPts * 100} points; latency > ${TOLERANCE.latencyFactor}x (medians)`);
  lines.push(diffs.length === 0 ? 'every verdict agrees' : `${diffs.length} verdict disagreement(s): ${diffs.slice(0, 10).map((d) => `seed ${d.seed} ${d.name}: sim ${d.sim}, real ${d.real}`).join('; ')}`);
  return lines.join('\n');
}

function html(name: string, rows: readonly SeedRow[], summary: Summary, diffs: Diffs): string {
  const cell = (s: string) => `<td>${esc(s)}</td>`;
  const sumRows = summary.map((s) => `<tr>${cell(s.label)}${cell(fmtSpread(s.sim, s.unit))}${cell(fmtSpread(s.real, s.unit))}${cell(s.disagree ? 'DISAGREE' : 'agree')}</tr>`).join('');
  const seedRows = rows
    .map((r) => `<tr>${cell(String(r.seed))}${METRICS.map((m) => cell(`${flat(m.pick(r.sim)).map((v) => fmt(v, m.unit)).join(', ') || '-'} / ${flat(m.pick(r.real)).map((v) => fmt(v, m.unit)).join(', ') || '-'}`)).join('')}${cell(r.sim.verdicts.map((v) => `${v.name}: ${v.status} / ${r.real.verdicts.find((x) => x.name === v.name)?.status ?? 'none'}`).join('; '))}</tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(name)}: sim vs real</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}</style></head><body>
<h1>${esc(name)}: simulator (loopback latency) vs real hanode processes</h1>
<table><tr><th>figure</th><th>simulator median [min..max]</th><th>real median [min..max]</th><th>beyond tolerance?</th></tr>${sumRows}</table>
<p>Tolerance: times |real−sim| &gt; max(${TOLERANCE.timeAbsUs / 1e6}s, ${TOLERANCE.timeRel * 100}% of sim); unavailability &gt; ${TOLERANCE.unavailabilityPts * 100} points; latency &gt; ${TOLERANCE.latencyFactor}x. ${diffs.length} verdict disagreement(s).</p>
<h2>Per seed (sim / real)</h2><table><tr><th>seed</th>${METRICS.map((m) => `<th>${esc(m.label)}</th>`).join('')}<th>verdicts</th></tr>${seedRows}</table></body></html>\n`;
}
