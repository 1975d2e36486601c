/**
 * The self-contained HTML report of one run: inline CSS, inline SVG and a little inline JS,
 * no network, so it opens offline from a file. Sections: verdicts, a timeline of node states
 * (up/down/paused, Raft roles), faults and a failed run's violations, client latency over time,
 * membership views, and a message diagram that pans and zooms over the run (message-diagram.ts).
 */
import type { RunResult, Scenario } from '../scenario/types.ts';
import { humanDuration } from '../scenario/units.ts';
import { extractReportData, type ReportData } from './html-data.ts';
import { clientsHtml } from './clients.ts';
import { esc } from './escape.ts';
import { messageDiagramData, messageDiagramHtml, MSG_JS } from './message-diagram.ts';

const W = 1000; // drawing width of the time axis, px
const LEFT = 90; // lane label column, px


/** JSON safe inside <script>: no "</script>" or "<!--" can appear. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STATE_COLOR: Record<string, string> = { up: '#cfe8cf', down: '#e05555', paused: '#f0b040' };
const ROLE_COLOR: Record<string, string> = { leader: '#d4a017', candidate: '#ff8c42', 'pre-candidate': '#ffc38a', follower: '#7fb3d5', learner: '#bbbbbb' };

function x(t: number, end: number): number {
  return LEFT + (end > 0 ? (t / end) * W : 0);
}

function timeAxis(end: number, y: number): string {
  const ticks: string[] = [];
  for (let k = 0; k <= 10; k++) {
    const t = (end * k) / 10;
    ticks.push(`<line x1="${x(t, end)}" y1="${y}" x2="${x(t, end)}" y2="${y + 5}" stroke="#888"/><text x="${x(t, end)}" y="${y + 17}" text-anchor="middle" class="ax">${esc(humanDuration(t))}</text>`);
  }
  return `<line x1="${LEFT}" y1="${y}" x2="${LEFT + W}" y2="${y}" stroke="#888"/>${ticks.join('')}`;
}

/** A failed run's violations: a red line at the time of each, labelled with the expectation. */
function violationMarks(d: ReportData, bottom: number): string {
  return d.violations
    .map((v) => {
      const vx = x(v.t, d.endUs);
      const right = vx > LEFT + W / 2;
      return `<g class="violation"><line x1="${vx}" y1="2" x2="${vx}" y2="${bottom}" stroke="#c62828" stroke-width="2"/><text x="${right ? vx - 4 : vx + 4}" y="${bottom - 4}" text-anchor="${right ? 'end' : 'start'}" font-size="11" font-weight="600" fill="#c62828" stroke="#fff" stroke-width="3" paint-order="stroke">✗ ${esc(v.name)}</text><title>violation at ${esc(humanDuration(v.t))}: ${esc(v.name)}: ${esc(v.detail)}</title></g>`;
    })
    .join('');
}

function timelineSvg(d: ReportData): string {
  const laneH = 18;
  const faultRows = Math.min(d.faults.length, 12);
  const top = 10 + faultRows * 14 + 8;
  const h = top + d.nodes.length * (laneH + 4) + 30;
  const parts: string[] = [];
  d.faults.slice(0, faultRows).forEach((f, k) => {
    const x1 = x(f.from, d.endUs);
    const x2 = Math.max(x1 + 2, x(f.to, d.endUs));
    parts.push(`<rect x="${x1}" y="${10 + k * 14}" width="${x2 - x1}" height="11" fill="#e05555" opacity="0.75"><title>${esc(f.label)} (${esc(humanDuration(f.from))} → ${esc(humanDuration(f.to))})</title></rect>`);
    parts.push(`<text x="${Math.min(x2 + 4, LEFT + W - 150)}" y="${19 + k * 14}" class="fl">${esc(f.label)}</text>`);
  });
  if (d.faults.length > faultRows) parts.push(`<text x="4" y="${top - 4}" class="ax">+${d.faults.length - faultRows} more faults</text>`);
  d.nodes.forEach((n, i) => {
    const y = top + i * (laneH + 4);
    parts.push(`<text x="4" y="${y + 13}" class="ln">${esc(n)}</text>`);
    for (const s of d.lanes[i]!) {
      parts.push(`<rect x="${x(s.from, d.endUs)}" y="${y}" width="${Math.max(1, x(s.to, d.endUs) - x(s.from, d.endUs))}" height="${laneH}" fill="${STATE_COLOR[s.state] ?? '#ddd'}"><title>${esc(n)} ${esc(s.state)} ${esc(humanDuration(s.from))} → ${esc(humanDuration(s.to))}</title></rect>`);
    }
    for (const s of d.roles[i]!) {
      parts.push(`<rect x="${x(s.from, d.endUs)}" y="${y + 4}" width="${Math.max(1, x(s.to, d.endUs) - x(s.from, d.endUs))}" height="${laneH - 8}" fill="${ROLE_COLOR[s.state] ?? '#999'}"><title>${esc(n)} ${esc(s.state)} ${esc(humanDuration(s.from))} → ${esc(humanDuration(s.to))}</title></rect>`);
    }
    for (const f of d.faults) {
      if (!f.nodes.includes(n)) continue;
      parts.push(`<rect x="${x(f.from, d.endUs)}" y="${y + laneH - 3}" width="${Math.max(1, x(f.to, d.endUs) - x(f.from, d.endUs))}" height="3" fill="#b00"/>`);
    }
  });
  parts.push(violationMarks(d, h - 26));
  parts.push(timeAxis(d.endUs, h - 26));
  return `<svg id="timeline" width="${LEFT + W + 20}" height="${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function latencySvg(r: RunResult, end: number): string {
  const s = r.latencySeries ?? [];
  if (s.length === 0) return '<p class="muted">No client workload ran in this scenario (no latency to draw).</p>';
  const h = 200;
  const maxLat = Math.max(1, ...s.map((w) => w[2]));
  // Log scale: a single election stall would otherwise flatten every normal window to 0.
  const y = (v: number) => 10 + (h - 40) * (1 - Math.log1p(v) / Math.log1p(maxLat));
  const mid = Math.round(Math.expm1(Math.log1p(maxLat) / 2));
  // One polyline per run of windows with completed operations: a gap (no operation
  // succeeded, e.g. no leader) must show as a gap, not as a straight line across it.
  const line = (k: 1 | 2, color: string) => {
    const runs: string[][] = [[]];
    for (const w of s) {
      if (w[3] > 0) runs[runs.length - 1]!.push(`${x(w[0], end).toFixed(1)},${y(w[k]).toFixed(1)}`);
      else if (runs[runs.length - 1]!.length > 0) runs.push([]);
    }
    return runs
      .filter((r) => r.length > 0)
      .map((r) => `<polyline points="${r.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`)
      .join('');
  };
  const fails = s
    .filter((w) => w[4] > 0)
    .map((w) => `<rect x="${x(w[0], end)}" y="${h - 30}" width="3" height="6" fill="#e05555"><title>${w[4]} operations with unknown outcome (timed out)</title></rect>`)
    .join('');
  return `<svg id="latency" width="${LEFT + W + 20}" height="${h}" xmlns="http://www.w3.org/2000/svg">
<text x="4" y="${y(maxLat) + 4}" class="ax">${esc(humanDuration(maxLat))}</text><text x="4" y="${y(mid) + 4}" class="ax">${esc(humanDuration(mid))}</text><text x="4" y="${y(0)}" class="ax">0</text><line x1="${LEFT}" y1="${y(mid)}" x2="${LEFT + W}" y2="${y(mid)}" stroke="#eee"/>
${line(2, '#e08030')}${line(1, '#3070c0')}
${fails}${timeAxis(end, h - 24)}</svg><p class="muted"><span style="color:#3070c0">■</span> p50 <span style="color:#e08030">■</span> p99 <span style="color:#e05555">■</span> operations that timed out (outcome unknown) · log scale</p>`;
}

function membershipSvg(r: RunResult, end: number): string {
  const m = r.membership;
  if (!m || m.samples.length === 0) return '<p class="muted">No membership protocol ran in this scenario.</p>';
  const rowH = 14;
  const n = m.nodes.length;
  const h = n * rowH + 40;
  const cells: string[] = [];
  m.samples.forEach((s, k) => {
    const x1 = x(s.t, end);
    const x2 = k + 1 < m.samples.length ? x(m.samples[k + 1]!.t, end) : LEFT + W;
    m.nodes.forEach((node, i) => {
      const a = s.alive[i]!;
      const su = s.suspect[i]!;
      const fill = a < 0 ? '#555' : su > 0 ? '#f0b040' : a >= n ? '#5cb85c' : `hsl(${Math.round((a / n) * 120)},60%,55%)`;
      cells.push(`<rect x="${x1}" y="${10 + i * rowH}" width="${Math.max(1, x2 - x1)}" height="${rowH - 2}" fill="${fill}"><title>${esc(node)} at ${esc(humanDuration(s.t))}: sees ${a < 0 ? 'nothing (down)' : `${a} alive, ${su} suspect of ${n}`}</title></rect>`);
    });
  });
  const labels = m.nodes.map((node, i) => `<text x="4" y="${20 + i * rowH}" class="ln">${esc(node)}</text>`).join('');
  return `<svg id="membership" width="${LEFT + W + 20}" height="${h}" xmlns="http://www.w3.org/2000/svg">${labels}${cells.join('')}${timeAxis(end, h - 26)}</svg>
<p class="muted"><span style="color:#5cb85c">■</span> sees every member alive <span style="color:#f0b040">■</span> suspects someone <span style="color:#d9534f">■</span> sees fewer alive <span style="color:#555">■</span> node down</p>`;
}

const CSS = `body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:20px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}
.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}.na{color:#a06000;font-weight:600}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.muted{color:#777}.ax{font-size:10px;fill:#666}.ln{font-size:11px;fill:#222}.fl{font-size:10px;fill:#900}
svg{display:block;max-width:100%;height:auto}#msgs text{font-size:10px}code{background:#f4f4f4;padding:1px 4px}
.tl{font-family:ui-monospace,monospace;font-size:12px;max-height:320px;overflow:auto;border:1px solid #eee;padding:6px}`;

export function renderHtmlReport(r: RunResult, sc: Scenario): string {
  const d = extractReportData(r, sc);
  const verdictClass = (s: string) => (s === 'pass' ? 'pass' : s === 'fail' ? 'fail' : 'na');
  const rows = r.expectations
    .map((v) => `<tr><td class="${verdictClass(v.status)}">${v.status.toUpperCase()}${v.vacuous ? ' (vacuous)' : ''}</td><td>${esc(v.name)}</td><td>${esc(v.detail)}${v.atUs !== undefined ? ` <span class="muted">(at ${esc(humanDuration(v.atUs))})</span>` : ''}</td></tr>`)
    .join('');
  const faultList = Object.entries(r.faults)
    .map(([k, n]) => `${esc(k)} ×${n}`)
    .join(', ');
  const timeline = r.timeline.map((i) => `<div>${esc((i.t / 1e6).toFixed(3))}s  ${esc(i.text)}</div>`).join('');
  const data = messageDiagramData(d);
  const lat = r.latency
    ? `p50 ${esc(humanDuration(r.latency.p50Us))}, p90 ${esc(humanDuration(r.latency.p90Us))}, p99 ${esc(humanDuration(r.latency.p99Us))}, max ${esc(humanDuration(r.latency.maxUs))}`
    : 'no client operations';
  const avail = r.availability ? `${(r.availability.ratio * 100).toFixed(2)}% (${r.availability.ok}/${r.availability.total})` : '—';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hasim · ${esc(r.scenario)} · seed ${r.seed}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1>${esc(r.scenario)} · seed ${r.seed} · <span class="${r.passed ? 'pass' : 'fail'}" id="verdict">${r.passed ? 'PASS' : 'FAIL'}</span></h1>
<p class="muted">${esc(r.file)} · ${esc(humanDuration(r.stats.virtualTimeUs))} of virtual time in ${r.stats.wallTimeMs} ms · ${r.stats.events} events · ${r.stats.messages} messages · trace hash <code>${esc(r.traceHash)}</code> · replay: <code>hasim replay ${esc(r.file)} --seed ${r.seed}</code></p>
${sc.description ? `<p>${esc(sc.description)}</p>` : ''}
<h2>Expectations</h2><table id="expectations"><tr><th>verdict</th><th>expectation</th><th>evidence</th></tr>${rows}</table>
<p>Faults fired: ${faultList || 'none'} · availability ${avail} · latency ${lat}${r.unavailable.length ? ` · <span class="na">not in this build: ${esc(r.unavailable.join(', '))}</span>` : ''}</p>
<h2>Timeline: node states, roles and faults</h2>${timelineSvg(d)}
<p class="muted"><span style="color:#cfe8cf">■</span> up <span style="color:#e05555">■</span> down/fault <span style="color:#f0b040">■</span> paused <span style="color:#d4a017">■</span> leader <span style="color:#7fb3d5">■</span> follower <span style="color:#ff8c42">■</span> candidate</p>
<div class="tl" id="events">${timeline || '<span class="muted">nothing happened worth showing</span>'}</div>
<h2>Client latency over time</h2>${latencySvg(r, d.endUs)}
<h2>Clients: outages and latency per client</h2>${clientsHtml(r, d.endUs, LEFT, W)}
<h2>Membership views</h2>${membershipSvg(r, d.endUs)}
<h2>Message diagram</h2>
${messageDiagramHtml(d)}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${MSG_JS}</script>
</body></html>
`;
}
