/**
 * The per-client part of the summary and the HTML report: for each application client of a
 * failover group, how long it could not be served (its outages) and the latency of what was
 * served, over time (RunResult.clients, from src/scenario/modules/failover-clients.ts).
 */
import type { ClientReport, RunResult } from '../scenario/types.ts';
import { humanDuration } from '../scenario/units.ts';
import type { Paint } from './colors.ts';
import { esc } from './escape.ts';

/** Outages listed per client in the text summary (the HTML lists them all). */
const TEXT_OUTAGES = 3;

function outageText(c: ClientReport, max: number): string {
  if (c.outages.length === 0 && c.unavailableUs === 0) return 'never unavailable';
  const list = c.outages
    .slice(0, max)
    .map((o) => `${humanDuration(o.fromUs)}–${humanDuration(o.toUs)} on ${o.target}`)
    .join(', ');
  const more = c.outages.length > max ? ` +${c.outages.length - max} more` : '';
  return `unavailable ${humanDuration(c.unavailableUs)} (${list || 'until the end'}${more})`;
}

function switchText(c: ClientReport): string {
  return c.switches.map((s) => `${s.from} → ${s.to} at ${humanDuration(s.atUs)}`).join(', ');
}

/** Lines for the text summary (empty when no client ran). */
export function clientsText(r: RunResult, p: Paint): string[] {
  const cs = r.clients ?? [];
  if (cs.length === 0) return [];
  const out = [p.bold(`Clients`) + p.dim(` (group ${[...new Set(cs.map((c) => c.group))].join(', ')}: outages and latency per client)`)];
  for (const c of cs) {
    const served = c.ops > 0 ? `${((c.ok / c.ops) * 100).toFixed(1)}% served` : 'no request sent';
    const lat = c.latency ? `p50 ${humanDuration(c.latency.p50Us)} p99 ${humanDuration(c.latency.p99Us)}` : 'no latency';
    const sw = c.switches.length > 0 ? `; switched ${switchText(c)}` : '';
    const line = `  ${c.node} (${c.dc}): ${served}, ${outageText(c, TEXT_OUTAGES)}${sw}; ${lat}`;
    out.push(c.unavailableUs > 0 ? line : p.dim(line));
  }
  return out;
}

/**
 * One row per client: outages as red bars and successful-latency p99 as a line, on the run's
 * time axis (x maps µs to px), plus a table of the figures.
 */
export function clientsHtml(r: RunResult, endUs: number, left: number, width: number): string {
  const cs = r.clients ?? [];
  if (cs.length === 0) return '<p class="muted">No application clients ran in this scenario.</p>';
  const x = (t: number) => left + (endUs > 0 ? (t / endUs) * width : 0);
  const rowH = 34;
  const h = cs.length * rowH + 16;
  const parts: string[] = [];
  cs.forEach((c, i) => {
    const y = 6 + i * rowH;
    parts.push(`<text x="4" y="${y + 18}" class="ln">${esc(c.node)}</text><rect x="${left}" y="${y}" width="${width}" height="${rowH - 6}" fill="#f3f8f3"/>`);
    for (const o of c.outages) {
      parts.push(`<rect x="${x(o.fromUs)}" y="${y}" width="${Math.max(2, x(o.toUs) - x(o.fromUs))}" height="${rowH - 6}" fill="#e05555" opacity="0.8"><title>${esc(c.node)} not served ${esc(humanDuration(o.fromUs))} → ${esc(humanDuration(o.toUs))} (calling ${esc(o.target)})</title></rect>`);
    }
    const maxP99 = Math.max(1, ...c.series.map((w) => w[2]));
    const pts = c.series.filter((w) => w[3] > 0).map((w) => `${x(w[0]).toFixed(1)},${(y + rowH - 8 - ((rowH - 12) * Math.log1p(w[2])) / Math.log1p(maxP99)).toFixed(1)}`);
    if (pts.length > 0) parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="#3070c0" stroke-width="1.2"><title>${esc(c.node)} p99 latency per second (log scale, max ${esc(humanDuration(maxP99))})</title></polyline>`);
    for (const s of c.switches) parts.push(`<line x1="${x(s.atUs)}" y1="${y}" x2="${x(s.atUs)}" y2="${y + rowH - 6}" stroke="#2a7"><title>${esc(c.node)}: ${esc(s.from)} → ${esc(s.to)} at ${esc(humanDuration(s.atUs))}</title></line>`);
  });
  const rows = cs
    .map(
      (c) =>
        `<tr><td>${esc(c.node)}</td><td>${esc(c.dc)}</td><td>${c.ok}/${c.ops}</td><td>${esc(humanDuration(c.unavailableUs))}</td><td>${esc(humanDuration(c.longestOutageUs))}</td><td>${c.latency ? `${esc(humanDuration(c.latency.p50Us))} / ${esc(humanDuration(c.latency.p99Us))}` : '—'}</td><td>${esc(switchText(c) || '—')}</td></tr>`,
    )
    .join('');
  return `<svg id="clients" width="${left + width + 20}" height="${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
<p class="muted"><span style="color:#e05555">■</span> not served (outage) <span style="color:#3070c0">■</span> p99 latency of served requests (log scale, per client) <span style="color:#2a7">|</span> client switched cluster</p>
<table id="client-table"><tr><th>client</th><th>DC</th><th>served</th><th>unavailable</th><th>longest outage</th><th>p50 / p99</th><th>switches</th></tr>${rows}</table>`;
}
