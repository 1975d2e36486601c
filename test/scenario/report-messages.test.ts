import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { extractReportData } from '../../src/report/html-data.ts';
import { selectMessages } from '../../src/report/message-selection.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { esc } from '../../src/report/escape.ts';
import { humanDuration } from '../../src/scenario/units.ts';

describe('messages embedded in a report', () => {
  const rows = Array.from({ length: 100_000 }, (_, i) => i * 1000); // one message per ms, 100 s
  const id = (t: number) => t;

  it('keeps the messages around the start and a late fault, within the budget', () => {
    const s = selectMessages(rows, id, [{ t: 0, before: 0 }, { t: 90_000_000, before: 0.25 }], 2000);
    expect(s.rows.length).toBeLessThanOrEqual(2000);
    expect(s.rows.length).toBeGreaterThan(1900);
    expect(s.rows.filter((t) => t < 500_000).length).toBe(500); // the first 0.5 s, all of it
    expect(s.rows.filter((t) => t >= 89_900_000 && t < 90_500_000).length).toBe(600); // around the fault
    expect(s.rows.some((t) => t > 20_000_000 && t < 80_000_000)).toBe(false);
    expect(s.spans).toEqual([
      [0, 999_000],
      [89_750_000, 90_749_000],
    ]);
  });

  it('shares the budget between many anchors and keeps everything when it fits', () => {
    const anchors = Array.from({ length: 50 }, (_, k) => ({ t: k * 2_000_000, before: 0.5 }));
    const s = selectMessages(rows, id, anchors, 5000);
    expect(s.rows.length).toBeLessThanOrEqual(5000);
    for (const a of anchors) expect(s.rows).toContain(a.t);
    expect(s.rows).toEqual([...s.rows].sort((a, b) => a - b));
    expect(selectMessages(rows.slice(0, 10), id, [], 20).rows).toEqual(rows.slice(0, 10));
  });

  it('a real run with an early election and later faults keeps messages around both', () => {
    const sc = loadScenarioFile('scenarios/raft-partitions.yaml');
    const r = runScenario(sc, { recordTrace: true });
    const faultTimes = r.trace!.filter((e) => e.kind === 'fault').map((e) => e.t);
    expect(faultTimes.length).toBeGreaterThan(1);
    const firstRole = r.trace!.find((e) => e.kind.endsWith('.role') && e.role === 'leader')!.t;
    const d = extractReportData(r, sc, 3000);
    expect(d.messages.length).toBeLessThanOrEqual(3000);
    // the first election: vote traffic before the first leader
    expect(d.messages.some((m) => m[0] <= firstRole && /vote/i.test(m[3]))).toBe(true);
    for (const t of faultTimes) expect(d.messages.some((m) => Math.abs(m[0] - t) < 500_000)).toBe(true);
    expect(d.spans.length).toBeGreaterThan(1);
  });
});

describe('a failing run in the HTML report', () => {
  const sc = loadScenarioFile('scenarios/broken/careless-lock.yaml');
  const r = runScenario(sc, { recordTrace: true, keepHistory: true });
  const html = renderHtmlReport(r, sc);

  it('draws each violation on the timeline with the expectation, and offers it in the diagram', () => {
    const failed = r.expectations.filter((v) => v.status === 'fail' && v.atUs !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    const timeline = /<svg id="timeline".*?<\/svg>/s.exec(html)![0];
    for (const v of failed) {
      expect(timeline).toContain(`<g class="violation">`);
      expect(timeline).toContain(`✗ ${esc(v.name)}`);
      expect(html).toContain(`violation at ${humanDuration(v.atUs!)}`);
    }
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.violations.map((v: [number, string]) => v[0])).toEqual(failed.map((v) => v.atUs));
    // the messages just before the violation are embedded
    expect(data.messages.some((m: [number, ...number[]]) => m[0] <= failed[0]!.atUs! && m[0] > failed[0]!.atUs! - 1_000_000)).toBe(true);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))('in headless Chromium the diagram draws the violation at its time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hasim-report-v-'));
    try {
      const file = join(dir, 'fail.html');
      writeFileSync(file, html);
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--window-size=1200,1600'];
      const dom = execFileSync('/usr/bin/chromium', [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
      const msgs = /<svg id="msgs".*?<\/svg>/s.exec(dom)![0];
      expect(msgs).toContain('<g class="violation">');
      expect(msgs).toContain(`✗ ${esc(r.expectations.find((v) => v.status === 'fail')!.name)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a passing run draws no violation', () => {
    const s2 = loadScenarioFile('scenarios/raft-partitions.yaml');
    const r2 = runScenario(s2, { recordTrace: true });
    expect(r2.passed).toBe(true);
    const h2 = renderHtmlReport(r2, s2);
    expect(/<svg id="timeline".*?<\/svg>/s.exec(h2)![0]).not.toContain('class="violation"');
    expect(JSON.parse(/id="report-data">(.*?)<\/script>/s.exec(h2)![1]!).violations).toEqual([]);
  });
});
