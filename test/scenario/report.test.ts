import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { esc } from '../../src/report/escape.ts';
import { formatRunText } from '../../src/report/text.ts';

const dir = mkdtempSync(join(tmpdir(), 'hasim-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sc = loadScenarioFile('scenarios/raft-partitions.yaml');
const r = runScenario(sc, { recordTrace: true, keepHistory: true });
const html = renderHtmlReport(r, sc);

describe('HTML report structure', () => {
  it('has every section, drawn as inline SVG', () => {
    for (const id of ['timeline', 'latency', 'expectations', 'msgs', 'events', 'report-data']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/<svg id="timeline"[^>]*>.*<rect/s);
    expect(html).toMatch(/<svg id="latency"[^>]*>.*<polyline/s);
    // role lanes: Raft leaders drawn in the timeline
    expect(html).toContain('leader');
  });

  it('is self-contained: no external resources', () => {
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(refs).toEqual([]);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b/);
  });

  it('embeds message data as JSON that cannot close its script tag', () => {
    const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)!;
    const data = JSON.parse(m[1]!);
    expect(data.nodes).toEqual(['r1', 'r2', 'c1', 'r3', 'r4', 'r5', 'c2']);
    expect(data.messages.length).toBeGreaterThan(100);
    expect(esc('<b>"x" & y</b>')).toBe('&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;');
  });

  it('shows membership views when SWIM runs', () => {
    const s2 = loadScenarioFile('scenarios/swim-flaky-wan.yaml');
    const r2 = runScenario(s2, { recordTrace: true, keepHistory: true });
    const h2 = renderHtmlReport(r2, s2);
    expect(h2).toMatch(/<svg id="membership"[^>]*>.*<rect/s);
    expect(r2.membership!.samples.length).toBeGreaterThan(100);
  });

  it('the text summary has no colour codes unless asked', () => {
    const plain = formatRunText(r, { color: false });
    expect(plain).not.toContain('\x1b[');
    expect(plain).toMatch(/Latency: p50 .* p99 /);
    expect(plain).toMatch(/Availability: \d+\.\d+% of operations answered/);
    expect(formatRunText(r, { color: true })).toContain('\x1b[32m');
  });
});

const CHROMIUM = '/usr/bin/chromium';
describe.skipIf(!existsSync(CHROMIUM))('HTML report in headless Chromium', () => {
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--window-size=1200,1600'];

  it('renders to a screenshot', () => {
    const png = join(dir, 'report.png');
    execFileSync(CHROMIUM, [...flags, `--screenshot=${png}`, `file://${file}`], { stdio: 'ignore', timeout: 60_000 });
    const buf = readFileSync(png);
    expect(buf.subarray(1, 4).toString()).toBe('PNG');
    expect(buf.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(statSync(png).size).toBeGreaterThan(20_000); // not a blank page
  });

  it('runs its script offline: the whole run as density, a window (#t=from-to, seconds) as arrows', () => {
    const dump = (url: string) => execFileSync(CHROMIUM, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const whole = dump(`file://${file}`);
    expect(whole).toMatch(/\d+ messages in view, zoom in to see each one.*; \d+ message events embedded, view 0µs – 60.000s of 60.000s/);
    const win = dump(`file://${file}#t=0.1-0.4`);
    const shown = Number(/(\d+) messages shown; \d+ message events embedded, view 100ms – 400ms/.exec(win)![1]);
    expect(shown).toBeGreaterThan(10); // the first election's messages are there
    const arrows = [...win.matchAll(/<line [^>]*marker-end="url\(#arr\)"[^>]*><title>([^<]*)<\/title>/g)];
    expect(arrows.length).toBe(shown);
    expect(arrows.some((a) => /vote/i.test(a[1]!))).toBe(true);
  });
});
