// The Raft paper's election-timing experiment (Ongaro & Ousterhout, USENIX ATC 2014, §9.3 and
// Figure 16), in the simulator, printed beside the paper's figures with the difference.
//
// The paper's setup (§9.3 and the Figure 16 caption): 5 servers, broadcast time ≈ 15 ms, heartbeats
// every half the minimum election timeout, servers with logs of different lengths ("so some candidates
// were not eligible to become leader"), a synchronized heartbeat broadcast, then the leader crashed
// uniformly randomly within its heartbeat interval; 1,000 trials per line (100 for 150–150); measured
// until the other servers received the new leader's first heartbeat (dissertation §9.4). The trial
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
//     Both are measured: the sweeps and table 1 use LogCabin's rule, table 2 ours.
// The disk and the network. The dissertation's caption of this figure (its §9.4) says "a
// broadcast time (network round trip plus disk write) of roughly 15ms" on 1 Gb Ethernet and SSDs, and
// LogCabin fsyncs term and vote before it answers a RequestVote and before it sends one
// (Server/RaftConsensus.cc: handleRequestVote and startNewElection call updateLogMetadata). The
// simulator models that disk (disk.blockingSyncLatencyUs, src/sim/blocking-sync.ts): a server blocks in
// such a sync, its answer leaves after it. How the 15 ms split between wire and disk is not stated, so:
//   sweep A puts the disk share of the 15 ms on every fsync, the vote path's too (2 × one-way + fsync =
//     15 ms), for four splits from all-wire to all-disk;
//   sweep B keeps the paper's 1 Gb LAN on the wire and the 15 ms's disk write on the log (the
//     follower's AppendEntries write), and varies the vote path's fsync alone; Table 1 runs the best
//     of sweep B in full. Its one free parameter is chosen by the printed rule: a fit, said so.
// Table 2 is a faster LAN (one-way U(0.5, 1.5) ms, no disk latency) with our timer rule, for contrast.
// The sweeps run SWEEP_TRIALS trials a line (200), the tables TRIALS (1,000); a maximum is compared only
// over at least half the paper's trials.
//
//   nice -n 15 npm run bench -- raft-election   (TRIALS=200 SWEEP_TRIALS=100 for a quicker run; progress on stderr)
import { ms, sec } from '../src/core/env.ts';
import type { RaftConfig } from '../src/core/raft/index.ts';
import type { LatencyDist } from '../src/sim/index.ts';
import { trial, type TrialResult } from './_raft-election-trial.ts';

const TRIALS = Number(process.argv[2] ?? process.env.TRIALS ?? 1000);
/** The paper ran 100 trials for 150–150 ms (Figure 16 caption); so do we. */
const TRIALS_150_150 = Math.min(TRIALS, 100);
/** Trials per line in the sweeps (the paper's lines only). */
const SWEEP_TRIALS = Number(process.env.SWEEP_TRIALS ?? 200);
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
  /** The fsync a server blocks in (term and vote), µs; 0: none. */
  readonly syncUs: number;
  /** An asynchronous log write, µs; undefined: the simulator's default. */
  readonly asyncSyncUs?: number;
}
const LOGCABIN_RULE = { preVote: false, checkQuorum: false, resetTimerOnStepDown: false };
/**
 * The paper's 1 Gb Ethernet (dissertation §9.4, setup table): one-way U(0.1, 0.3) ms is our assumption for a
 * request over TCP on such a LAN; the paper gives no figure for it.
 */
const GIGABIT: LatencyDist = { kind: 'uniform', min: ms(0.1), max: ms(0.3) };
const BROADCAST_MS = 15;
const uniformAround = (w: number): LatencyDist => ({ kind: 'uniform', min: ms(w - 0.5), max: ms(w + 0.5) });

/** Sweep A: one-way w, every fsync (vote path and log) 15 − 2w ms. */
const SWEEP_A: Model[] = [7.5, 5, 2.5].map((w) => ({
  name: `one-way U(${w - 0.5}, ${w + 0.5}) ms + fsync ${BROADCAST_MS - 2 * w} ms`,
  oneWay: uniformAround(w),
  maxOneWayUs: ms(w + 0.5),
  raft: LOGCABIN_RULE,
  syncUs: ms(BROADCAST_MS - 2 * w),
  asyncSyncUs: ms(BROADCAST_MS - 2 * w),
}));
SWEEP_A.push({ name: `one-way U(0.1, 0.3) ms + fsync ${BROADCAST_MS - 0.4} ms`, oneWay: GIGABIT, maxOneWayUs: ms(0.3), raft: LOGCABIN_RULE, syncUs: ms(BROADCAST_MS - 0.4), asyncSyncUs: ms(BROADCAST_MS - 0.4) });

/** Sweep B: 1 Gb wire, the log write 15 − 2 × 0.2 ms, the vote path's fsync f. */
const SWEEP_B: Model[] = [1, 2, 2.5, 3, 4].map((f) => ({
  name: `one-way U(0.1, 0.3) ms, log write ${BROADCAST_MS - 0.4} ms, vote-path fsync ${f} ms`,
  oneWay: GIGABIT,
  maxOneWayUs: ms(0.3),
  raft: LOGCABIN_RULE,
  syncUs: ms(f),
  asyncSyncUs: ms(BROADCAST_MS - 0.4),
}));

const LAN_OUR_RULE: Model = {
  name: 'LAN, one-way U(0.5, 1.5) ms, no disk latency, our timer rule (restart on every step-down, etcd)',
  oneWay: { kind: 'uniform', min: ms(0.5), max: ms(1.5) },
  maxOneWayUs: ms(1.5),
  raft: { ...LOGCABIN_RULE, resetTimerOnStepDown: true },
  syncUs: 0,
};

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

function runLine(model: Model, r: Range, trials: number): LineStats {
  const n = r.min === r.max ? Math.min(trials, 100) : trials;
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
      syncUs: model.syncUs,
      ...(model.asyncSyncUs === undefined ? {} : { asyncSyncUs: model.asyncSyncUs }),
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
    median: xs.length === 0 ? Number.NaN : pct(xs, 0.5),
    mean: xs.length === 0 ? Number.NaN : finite.length === 0 ? Number.POSITIVE_INFINITY : finite.reduce((a, b) => a + b, 0) / finite.length,
    p99: xs.length === 0 ? Number.NaN : pct(xs, 0.99),
    max: xs.length === 0 ? Number.NaN : xs[xs.length - 1]!,
    over1s: xs.filter((x) => x > 1000).length,
    over10s: xs.filter((x) => x > 10_000).length,
    never: xs.length - finite.length,
    meanTerms: elected.length === 0 ? Number.NaN : elected.reduce((a, x) => a + x.terms, 0) / elected.length,
    fourLengths: results.filter((x) => new Set(x.deficits).size === 4).length,
    eligible,
    shapes,
  };
}

const fmt = (x: number) => (Number.isNaN(x) ? '—' : Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : `never (>${CAP_US / 1e6} s)`);
const signed = (d: number) => (Number.isFinite(d) ? `${d >= 0 ? '+' : ''}${(100 * d).toFixed(0)} %` : '—');

function statOf(s: LineStats, stat: PaperFigure['stat']): number {
  if (stat === 'share > 10 s') return s.n === 0 ? Number.NaN : s.over10s / s.n;
  return stat === 'median' ? s.median : stat === 'max' ? s.max : s.mean;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

interface Verdict {
  readonly fig: PaperFigure;
  readonly ours: number;
  readonly diff: number;
  readonly within: boolean;
  /** Not comparable (see judge), and why; within is then false. */
  readonly tooFew: boolean;
  readonly why: string;
  readonly n: number;
}

/**
 * The paper ran 1,000 trials a line (100 for 150–150). A maximum depends on the trial count, so it is
 * compared only over at least half the paper's trials; a median, mean or share over at least 100
 * (50 for 150–150). The measured trials of a line with many unset ones are a selection. A line where
 * fewer than half the measured trials had four different log lengths at the crash did not run the
 * paper's setup (its unequal logs) and is not compared either.
 */
function judge(stats: Map<string, LineStats>): Verdict[] {
  return PAPER.map((fig) => {
    const s = stats.get(fig.line)!;
    const ours = statOf(s, fig.stat);
    const diff = (ours - fig.paper) / fig.paper;
    const paperTrials = fig.line === '150–150' ? 100 : 1000;
    const few = fig.stat === 'max' ? s.n < paperTrials / 2 : s.n < paperTrials / 10 || s.n < 50;
    const equalLogs = !few && s.fourLengths < s.n / 2;
    const why = few ? `${s.n} trials measured` : equalLogs ? `logs unequal in ${s.fourLengths} of ${s.n} trials` : '';
    const tooFew = few || equalLogs;
    return { fig, ours, diff, within: !tooFew && Math.abs(diff) <= TOLERANCE, tooFew, why, n: s.n };
  });
}

const oursText = (v: Verdict) =>
  v.fig.stat === 'share > 10 s' ? (Number.isNaN(v.ours) ? '—' : `${(100 * v.ours).toFixed(0)} %`) : Number.isFinite(v.ours) ? `${fmt(v.ours)} ms` : fmt(v.ours);
const verdictText = (v: Verdict) => (v.tooFew ? `not comparable: ${v.why}` : v.within ? `within ${100 * TOLERANCE} %` : `outside ${100 * TOLERANCE} %`);
const withinCount = (vs: readonly Verdict[]) => vs.filter((v) => v.within).length;
const missSum = (vs: readonly Verdict[]) => vs.reduce((a, v) => a + (v.tooFew || !Number.isFinite(v.diff) ? 10 : Math.abs(v.diff)), 0);

/** A sweep: the paper's lines only, one row per model, each stated figure with its difference. */
function sweep(title: string, models: readonly Model[]): { model: Model; verdicts: Verdict[] }[] {
  console.log(`\n${title}`);
  console.log(`${SWEEP_TRIALS} trials per line (${Math.min(SWEEP_TRIALS, 100)} for 150–150), LogCabin timer rule, PreVote and CheckQuorum off`);
  const paperLines = RANGES.filter((r) => PAPER.some((f) => f.line === r.label));
  const out: { model: Model; verdicts: Verdict[] }[] = [];
  const rows: string[][] = [];
  for (const model of models) {
    process.stderr.write(`sweep: ${model.name}\n`);
    const stats = new Map(paperLines.map((r) => [r.label, runLine(model, r, SWEEP_TRIALS)] as const));
    const verdicts = judge(stats);
    out.push({ model, verdicts });
    const unset = paperLines.map((r) => stats.get(r.label)!.setupFailed).reduce((a, b) => a + b, 0);
    rows.push([model.name, ...verdicts.map((v) => `${oursText(v)} (${v.tooFew ? 'n/c' : signed(v.diff)})`), `${withinCount(verdicts)}/${verdicts.length}`, String(unset)]);
  }
  printTable(['setup', ...PAPER.map((f) => `${f.line} ${f.stat} (paper ${f.stat === 'share > 10 s' ? '100 %' : `${f.paper} ms`})`), 'within 20 %', 'unset'], rows);
  console.log('(n/c: not comparable: too few trials measured for that statistic, or the logs were not unequal; unset: trials with no leader to crash)');
  return out;
}

/** A full table: every line, the log shapes and the paper's figures beside ours. */
function fullTable(label: string, model: Model): Verdict[] {
  console.log(`\n${label}. Raft §9.3 / Figure 16: crash → every survivor heard the new leader, 5 servers, ${model.name};`);
  console.log(`${TRIALS} trials per line (${TRIALS_150_150} for 150–150); PreVote and CheckQuorum off except where named`);
  process.stderr.write(`${label}: ${model.name}\n`);
  const stats = new Map<string, LineStats>();
  const rows: string[][] = [];
  for (const r of RANGES) {
    const s = runLine(model, r, TRIALS);
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
  const verdicts = judge(stats);
  printTable(['line', 'statistic', 'paper', 'ours', 'difference', 'verdict'], verdicts.map((v) => [
    v.fig.line,
    v.fig.stat,
    v.fig.stat === 'share > 10 s' ? `${(100 * v.fig.paper).toFixed(0)} %` : `${v.fig.paper} ms`,
    oursText(v),
    signed(v.diff),
    verdictText(v),
  ]));
  return verdicts;
}

const wall0 = performance.now();
const sweepA = sweep('Sweep A. The 15 ms broadcast as 2 × one-way + one fsync, every fsync (the vote path\'s too) paying the disk share', SWEEP_A);
const sweepB = sweep('Sweep B. The paper\'s 1 Gb LAN on the wire, the 15 ms\'s disk write on the log; the vote path\'s fsync varied', SWEEP_B);
// Table 1 runs the sweep-B setup with the most stated figures within 20 % (ties: the smallest summed miss).
const chosen = [...sweepB].sort((a, b) => withinCount(b.verdicts) - withinCount(a.verdicts) || missSum(a.verdicts) - missSum(b.verdicts))[0]!;
const table1 = fullTable('Table 1', chosen.model);
const table2 = fullTable('Table 2', LAN_OUR_RULE);

console.log(`\n(times in ms from the crash until each surviving server has received a heartbeat or AppendEntries of the`);
console.log(` new leader (the paper's end point); mean* over the trials that elected within ${CAP_US / 1e6} s; "terms": mean terms`);
console.log(` per election that elected, 1 = the first candidate won; "4 log lengths": trials whose four followers held four`);
console.log(` different log lengths at the crash; "able to win": followers whose log is at least as long as two others', i.e.`);
console.log(` that can collect 3 votes; "(k unset)": k trials had no leader to crash (none elected in 20 s, or leadership`);
console.log(` changed while the logs were built) and measured nothing; a max depends on the trial count)`);
console.log(`wall time ${((performance.now() - wall0) / 1000).toFixed(1)} s`);

// Commentary from the numbers above: nothing here is a claim written in advance.
const say = (v: Verdict) => `${v.fig.line} ${v.fig.stat} (${v.tooFew ? `not comparable: ${v.why}` : signed(v.diff)})`;
const summarize = (name: string, vs: readonly Verdict[]) => {
  const ok = vs.filter((v) => v.within);
  const off = vs.filter((v) => !v.within && !v.tooFew);
  const few = vs.filter((v) => v.tooFew);
  return `${name}: ${ok.length} of ${vs.length} figures within ${100 * TOLERANCE} %` + (ok.length > 0 ? `: ${ok.map(say).join(', ')}` : '') +
    (off.length > 0 ? `; outside: ${off.map(say).join(', ')}` : '') + (few.length > 0 ? `; ${few.map(say).join(', ')}` : '') + '.';
};
console.log('\nSummary (generated from the tables):');
const bestA = Math.max(...sweepA.map((x) => withinCount(x.verdicts)));
console.log(`- sweep A (the disk share on the vote path): at most ${bestA} of ${PAPER.length} figures within ${100 * TOLERANCE} % in any split; ` +
  sweepA.map((x) => `${x.model.name}: 150–155 median ${oursText(x.verdicts[1]!)}`).join('; ') + '.');
console.log(`- sweep B (1 Gb wire, the disk share on the log write): ` + sweepB.map((x) => `vote-path fsync ${x.model.syncUs / 1000} ms: ${withinCount(x.verdicts)}`).join(', ') +
  ` of ${PAPER.length} within ${100 * TOLERANCE} %; Table 1 runs the ${chosen.model.syncUs / 1000} ms one (most figures within, ties to the smallest summed difference).`);
console.log(`- ${summarize(`table 1 (${chosen.model.name})`, table1)}`);
console.log(`- ${summarize(`table 2 (${LAN_OUR_RULE.name})`, table2)}`);
