/**
 * The human summary of one run: what mattered on a timeline, client latency and
 * availability, which faults fired, and each expectation's verdict with its evidence.
 */
import type { RunResult, Verdict } from '../scenario/types.ts';
import { humanDuration } from '../scenario/units.ts';
import { paint, type Paint } from './colors.ts';
import { clientsText } from './clients.ts';

export interface TextOptions {
  readonly color: boolean;
  /** Most timeline lines printed (the HTML report has them all). */
  readonly maxTimeline?: number;
  /** The command that replays this run (printed on failure). */
  readonly replayCommand?: string;
}

function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

const ICON: Record<string, string> = { fault: '⚡', heal: '✚', role: '♛', suspect: '?', failover: '⇄', membership: '◎', node: '↻', error: '✗', note: '…' };

function verdictLine(v: Verdict, p: Paint): string {
  const tag = v.status === 'pass' ? p.green('✓ PASS') : v.status === 'fail' ? p.red('✗ FAIL') : v.status === 'not-reached' ? p.yellow('… NOT REACHED') : p.yellow('? N/A ');
  const at = v.atUs !== undefined ? p.dim(` (at ${seconds(v.atUs)})`) : '';
  const idle = v.vacuous ? p.yellow('  [vacuous: the run tested nothing here]') : '';
  return `  ${tag}  ${v.name}${idle}\n          ${p.dim(v.detail)}${at}`;
}

export function formatRunText(r: RunResult, opts: TextOptions): string {
  const p = paint(opts.color);
  const out: string[] = [];
  out.push(
    `${p.bold('hasim')} · ${p.bold(r.scenario)} ${p.dim(`(${r.file})`)} · seed ${r.seed} · ${humanDuration(r.stats.virtualTimeUs)} virtual in ${r.stats.wallTimeMs}ms wall`,
  );
  out.push(p.dim(`  ${count(r.stats.events)} events, ${count(r.stats.messages)} messages, trace hash ${r.traceHash}`));

  const max = opts.maxTimeline ?? 40;
  out.push('', p.bold('Timeline'));
  if (r.timeline.length === 0) out.push(p.dim('  (nothing happened worth showing)'));
  for (const item of r.timeline.slice(0, max)) {
    const icon = ICON[item.category] ?? '·';
    const text = item.category === 'fault' || item.category === 'error' ? p.red(item.text) : item.category === 'heal' ? p.green(item.text) : item.text;
    out.push(`  ${p.dim(pad(seconds(item.t), 10))}  ${icon} ${text}`);
  }
  if (r.timeline.length > max) out.push(p.dim(`  … ${r.timeline.length - max} more lines (see --report)`));

  const faults = Object.entries(r.faults);
  out.push('', `${p.bold('Faults fired')}: ${faults.length === 0 ? 'none' : faults.map(([k, n]) => `${k} ×${n}`).join(', ')}`);

  if (r.availability) {
    const a = r.availability;
    out.push(`${p.bold('Availability')}: ${(a.ratio * 100).toFixed(2)}% of operations answered (${a.ok}/${a.total})`);
  }
  if (r.latency) {
    const l = r.latency;
    out.push(
      `${p.bold('Latency')}: p50 ${humanDuration(l.p50Us)}  p90 ${humanDuration(l.p90Us)}  p99 ${humanDuration(l.p99Us)}  max ${humanDuration(l.maxUs)}  (${l.count} ok ops)`,
    );
  }
  out.push(...clientsText(r, p));
  if (r.unavailable.length > 0) {
    out.push(p.yellow(`Not in this build: ${r.unavailable.join(', ')} (their expectations are reported N/A, not passed)`));
  }

  out.push('', p.bold('Expectations'));
  for (const v of r.expectations) out.push(verdictLine(v, p));
  const failed = r.expectations.filter((v) => v.status === 'fail').length;
  const na = r.expectations.filter((v) => v.status === 'unavailable').length;
  out.push('');
  const notReached = r.expectations.filter((v) => v.status === 'not-reached').length;
  if (r.passed && notReached > 0) {
    out.push(p.yellow(p.bold('STOPPED EARLY')) + ` — ${r.expectations.length - notReached} hold so far, ${notReached} not reached (of ${r.expectations.length}); nothing failed`);
    if (opts.replayCommand) out.push(p.dim(`replay: ${opts.replayCommand}`));
  } else if (r.passed) out.push(p.green(p.bold(`PASS`)) + ` — ${r.expectations.length} of ${r.expectations.length} expectations hold`);
  else {
    const why = [failed ? `${failed} failed` : '', na ? `${na} could not be checked` : ''].filter(Boolean).join(', ');
    out.push(p.red(p.bold('FAIL')) + ` — ${why} (of ${r.expectations.length})`);
    if (opts.replayCommand) out.push(p.dim(`replay: ${opts.replayCommand}`));
  }
  return out.join('\n');
}
