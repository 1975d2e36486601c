// The Raft paper's election-timing experiment (Ongaro & Ousterhout, USENIX ATC 2014, §9.3 and
// Figure 16), in the simulator, printed beside the paper's figures with the difference.
//
// The paper's setup (§9.3 and the Figure 16 caption): 5 servers, broadcast time ≈ 15 ms, heartbeats
// every half the minimum election timeout, servers with logs of different lengths ("so some candidates
// were not eligible to become leader"), a synchronized heartbeat broadcast, then the leader crashed
// uniformly randomly within its heartbeat interval; 1,000 trials per line (100 for 150–150). The trial
// itself is bench/_raft-election-trial.ts.
//
// The paper's text gives five numbers; the other lines exist only as curves in the figure, so we print
// ours for them without a comparison:
//   150–150: "consistently took longer than 10 seconds"   150–155: "a median downtime of 287ms"
//   150–200: "the worst-case completion time (over 1000 trials) was 513ms"
//   12–24:   "it takes only 35ms on average ... (the longest trial took 152ms)"
//
// Settings that differ from the project's defaults, and why:
//   preVote: false, checkQuorum: false — the paper's LogCabin had neither (PreVote is dissertation §9.6,
//     later work); one extra row per table shows our defaults (both on) for contrast.
//   heartbeatIntervalUs = min/2 — the paper's ("half of the minimum election timeout for all tests");
//     our default is a third.
//   resetTimerOnStepDown — LogCabin restarts the election timer only when it is not running
//     (RaftConsensus::stepDown); ours (etcd's rule) restarts it on every step-down to a higher term.
//     Both are measured: tables 1–2 use LogCabin's rule, table 3 ours.
// The network: the paper does not say where its 15 ms broadcast time went. Table 1 puts all of it on
// the wire (one-way U(7, 8) ms, so a request and its answer take ≈ 15 ms). The simulator's synchronous
// sync() (the vote's fsync) takes no virtual time (disk.syncLatencyUs applies only to asynchronous log
// writes), so a disk share of the 15 ms shows up only as wire time here. Table 2 is NOT the paper's
// setup but a fit: the one-way delay (seven one-way ranges between 0.5 and 8 ms tried by hand, 300 trials each) with which the
// LogCabin-rule simulation comes closest to the paper's figures. Table 3 is a LAN (one-way U(0.5, 1.5)
// ms) with our timer rule.
//
//   npm run bench -- raft-election         (TRIALS=200 for a quicker run; progress on stderr)
import { ms, sec } from '../src/core/env.ts';
import type { RaftConfig } from '../src/core/raft/index.ts';
import type { LatencyDist } from '../src/sim/index.ts';
import { trial, type TrialResult } from './_raft-election-trial.ts';

const TRIALS = Number(process.argv[2] ?? process.env.TRIALS ?? 1000);
/** The paper ran 100 trials for 150–150 ms (Figure 16 caption); so do we. */
const TRIALS_150_150 = Math.min(TRIALS, 100);
/** A trial that has not elected anyone this long after the crash is recorded as "never". */
const CAP_US = sec(12);
const TOLERANCE = 0.2;

interface Range {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly extra?: Partial<RaftConfig>;
}
const RANGES: Range[] = [
  { label: '150–150', min: 150, max: 150 },
  { label: '150–151', min: 150, max: 151 },
  { label: '150–155', min: 150, max: 155 },
  { label: '150–175', min: 150, max: 175 },
  { label: '150–200', min: 150, max: 200 },
  { label: '150–300', min: 150, max: 300 },
  { label: '12–24', min: 12, max: 24 },
  { label: '25–50', min: 25, max: 50 },
  { label: '50–100', min: 50, max: 100 },
  { label: '100–200', min: 100, max: 200 },
  { label: '150–300 +PreVote+CQ', min: 150, max: 300, extra: { preVote: true, checkQuorum: true } },
];

/** The figures the paper's text states, in ms (share of trials for 150–150). */
interface PaperFigure {
  readonly line: string;
  readonly stat: 'median' | 'max' | 'mean' | 'share > 10 s';
  readonly paper: number;
}
const PAPER: PaperFigure[] = [
  { line: '150–150', stat: 'share > 10 s', paper: 1 },
  { line: '150–155', stat: 'median', paper: 287 },
  { line: '150–200', stat: 'max', paper: 513 },
  { line: '12–24', stat: 'mean', paper: 35 },
  { line: '12–24', stat: 'max', paper: 152 },
];

interface Model {
  readonly name: string;
  readonly oneWay: LatencyDist;
  readonly maxOneWayUs: number;
  readonly raft: Partial<RaftConfig>;
}
const LOGCABIN_RULE = { preVote: false, checkQuorum: false, resetTimerOnStepDown: false };
const MODELS: Model[] = [
  { name: 'one-way U(7, 8) ms (15 ms request/response on the wire), LogCabin timer rule', oneWay: { kind: 'uniform', min: ms(7), max: ms(8) }, maxOneWayUs: ms(8), raft: LOGCABIN_RULE },
  {
    name: 'FITTED one-way U(2.5, 3.5) ms (request/response ≈ 6 ms, not the paper\'s 15), LogCabin timer rule',
    oneWay: { kind: 'uniform', min: ms(2.5), max: ms(3.5) },
    maxOneWayUs: ms(3.5),
    raft: LOGCABIN_RULE,
  },
  {
    name: 'LAN, one-way U(0.5, 1.5) ms, our timer rule (restart on every step-down, etcd)',
    oneWay: { kind: 'uniform', min: ms(0.5), max: ms(1.5) },
    maxOneWayUs: ms(1.5),
    raft: { ...LOGCABIN_RULE, resetTimerOnStepDown: true },
  },
];

interface LineStats {
  /** Trials measured (those whose initial election succeeded). */
  readonly n: number;
  readonly setupFailed: number;
  readonly median: number;
  readonly mean: number;
  readonly p99: number;
  readonly max: number;
  readonly over1s: number;
  readonly over10s: number;
  readonly never: number;
  readonly meanTerms: number;
  /** Trials whose four followers had four different log lengths at the crash. */
  readonly fourLengths: number;
  /** Histogram of "followers able to win" at the crash. */
  readonly eligible: Map<number, number>;
  /** Histogram of the sorted follower deficits (follower length − leader length), e.g. "-3,-2,-1,0". */
  readonly shapes: Map<string, number>;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function runLine(model: Model, r: Range): LineStats {
  const n = r.min === r.max ? TRIALS_150_150 : TRIALS;
  const t0 = performance.now();
  const results: TrialResult[] = [];
  let setupFailed = 0;
  for (let i = 0; i < n; i++) {
    const setup = {
      minMs: r.min,
      maxMs: r.max,
      oneWay: model.oneWay,
      raft: { ...model.raft, ...r.extra },
      capUs: CAP_US,
      unequalLogs: true,
      settleUs: model.maxOneWayUs + ms(0.1),
    };
    const res = trial(setup, 1_000_000 * r.min + 1000 * r.max + i + (r.extra ? 7 : 0));
    if (res.setupFailed) setupFailed++;
    else results.push(res);
    if ((i + 1) % 250 === 0 || i + 1 === n) process.stderr.write(`  ${r.label}: ${i + 1}/${n} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const xs = results.map((x) => x.us / 1000).sort((a, b) => a - b);
  const finite = xs.filter(Number.isFinite);
  const elected = results.filter((x) => Number.isFinite(x.us));
  const eligible = new Map<number, number>();
  const shapes = new Map<string, number>();
  for (const x of results) {
    eligible.set(x.eligible, (eligible.get(x.eligible) ?? 0) + 1);
    const k = x.deficits.join(',');
    shapes.set(k, (shapes.get(k) ?? 0) + 1);
  }
  return {
    n: results.length,
    setupFailed,
    median: pct(xs, 0.5),
    mean: finite.length === 0 ? Number.POSITIVE_INFINITY : finite.reduce((a, b) => a + b, 0) / finite.length,
    p99: pct(xs, 0.99),
    max: xs[xs.length - 1]!,
    over1s: xs.filter((x) => x > 1000).length,
    over10s: xs.filter((x) => x > 10_000).length,
    never: xs.length - finite.length,
    meanTerms: elected.length === 0 ? Number.NaN : elected.reduce((a, x) => a + x.terms, 0) / elected.length,
    fourLengths: results.filter((x) => new Set(x.deficits).size === 4).length,
    eligible,
    shapes,
  };
}

const fmt = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : `never (>${CAP_US / 1e6} s)`);

function statOf(s: LineStats, stat: PaperFigure['stat']): number {
  if (stat === 'share > 10 s') return s.over10s / s.n;
  return stat === 'median' ? s.median : stat === 'max' ? s.max : s.mean;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

const wall0 = performance.now();
const verdicts: { model: string; line: string; stat: string; within: boolean; tooFew: boolean; diff: number }[] = [];
for (const [mi, model] of MODELS.entries()) {
  console.log(`\nTable ${mi + 1}. Raft §9.3 / Figure 16: crash → new leader, 5 servers, ${model.name};`);
  console.log(`${TRIALS} trials per line (${TRIALS_150_150} for 150–150); PreVote and CheckQuorum off except where named`);
  process.stderr.write(`table ${mi + 1}: ${model.name}\n`);
  const stats = new Map<string, LineStats>();
  const rows: string[][] = [];
  for (const r of RANGES) {
    const s = runLine(model, r);
    stats.set(r.label, s);
    const elig = [...s.eligible].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ');
    rows.push([r.label + (s.setupFailed > 0 ? ` (${s.setupFailed} unset)` : ''), fmt(s.median), fmt(s.mean) + (s.never > 0 && Number.isFinite(s.mean) ? '*' : ''), fmt(s.p99), fmt(s.max), String(s.over1s), String(s.never), Number.isNaN(s.meanTerms) ? '—' : s.meanTerms.toFixed(2), `${s.fourLengths}/${s.n}`, elig]);
  }
  printTable(['timeout (ms)', 'median', 'mean', 'p99', 'max', '>1 s', 'never', 'terms', '4 log lengths', 'able to win: trials'], rows);
  console.log('\nFollowers\' log lengths at the crash (follower − crashed leader, sorted): trials');
  for (const r of RANGES) {
    const s = stats.get(r.label)!;
    const shapes = [...s.shapes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `[${k}] ${v}`).join(', ');
    console.log(`  ${r.label.padEnd(20)} ${shapes}`);
  }
  console.log('\nThe paper\'s figures beside ours:');
  const cmp: string[][] = [];
  for (const f of PAPER) {
    const s = stats.get(f.line)!;
    const ours = statOf(s, f.stat);
    const share = f.stat === 'share > 10 s';
    const diff = (ours - f.paper) / f.paper;
    // The paper ran 1,000 trials a line (100 for 150–150); a max or a share over far fewer says little.
    const paperTrials = f.line === '150–150' ? 100 : 1000;
    const tooFew = s.n < paperTrials / 2;
    const within = !tooFew && Math.abs(diff) <= TOLERANCE;
    verdicts.push({ model: `table ${mi + 1}`, line: f.line, stat: f.stat, within, tooFew, diff });
    cmp.push([
      f.line,
      f.stat,
      share ? `${(100 * f.paper).toFixed(0)} %` : `${f.paper} ms`,
      share ? `${(100 * ours).toFixed(0)} %` : Number.isFinite(ours) ? `${fmt(ours)} ms` : fmt(ours),
      Number.isFinite(diff) ? `${diff >= 0 ? '+' : ''}${(100 * diff).toFixed(0)} %` : '—',
      tooFew ? `not comparable: ${s.n} trials measured` : within ? `within ${100 * TOLERANCE} %` : `outside ${100 * TOLERANCE} %`,
    ]);
  }
  printTable(['line', 'statistic', 'paper', 'ours', 'difference', 'verdict'], cmp);
}

console.log(`\n(times in ms from the crash; mean* over the trials that elected within ${CAP_US / 1e6} s; "terms": mean terms per election that elected,`);
console.log(` 1 = the first candidate won; "4 log lengths": trials whose four followers held four different log lengths at`);
console.log(` the crash; "able to win": followers whose log is at least as long as two others', i.e. that can collect 3 votes;`);
console.log(` "(k unset)": k trials had no leader to crash (none elected in 20 s, or leadership changed while the logs were built)`);
console.log(` and measured nothing; a max depends on the trial count)`);
console.log(`wall time ${((performance.now() - wall0) / 1000).toFixed(1)} s`);

// Commentary from the numbers above: nothing here is a claim written in advance.
console.log('\nSummary (generated from the tables):');
for (const [mi, model] of MODELS.entries()) {
  const mine = verdicts.filter((v) => v.model === `table ${mi + 1}`);
  const ok = mine.filter((v) => v.within);
  const off = mine.filter((v) => !v.within && !v.tooFew);
  const few = mine.filter((v) => v.tooFew);
  const say = (v: (typeof mine)[number]) => `${v.line} ${v.stat} (${Number.isFinite(v.diff) ? `${v.diff >= 0 ? '+' : ''}${(100 * v.diff).toFixed(0)} %` : 'no leader'})`;
  console.log(`- table ${mi + 1} (${model.name}): ${ok.length} of ${mine.length} figures within ${100 * TOLERANCE} %` +
    (ok.length > 0 ? `: ${ok.map(say).join(', ')}` : '') + (off.length > 0 ? `; outside: ${off.map(say).join(', ')}` : '') +
    (few.length > 0 ? `; not comparable (too few trials measured): ${few.map(say).join(', ')}` : '') + '.');
}
const best = MODELS.map((m, i) => ({ m, k: verdicts.filter((v) => v.model === `table ${i + 1}` && v.within).length })).sort((a, b) => b.k - a.k)[0]!;
console.log(`- closest to the paper: ${best.m.name} (${best.k} of ${PAPER.length}).`);
