/**
 * Application clients of a failover group (scenarios/dc-failover.yaml, issue 18): they follow
 * the HA event (switch to the surviving cluster when their agent reports it), and the summary,
 * --json and the HTML report show each client's outages and latency over time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../src/scenario/index.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { runToJson } from '../../src/report/json.ts';
import { formatRunText } from '../../src/report/text.ts';

const FILE = 'scenarios/dc-failover.yaml';
const SOURCE = readFileSync(FILE, 'utf8');
const sc = parseScenario(SOURCE, FILE);
const r = runScenario(sc, { recordTrace: true, keepHistory: true });

describe('dc-failover clients follow the HA event', () => {
  it('every client calls cb-east-1 until the switch, is unserved for one outage around the DC loss, then calls cb-west-1', () => {
    const cs = r.clients!;
    expect(cs.map((c) => c.node)).toEqual(['app-e2a', 'app-e2b', 'app-w1']);
    const sw = r.timeline.find((i) => i.text.startsWith('HA: group app switched'))!;
    for (const c of cs) {
      expect(c.ops).toBeGreaterThan(400);
      expect(c.switches).toHaveLength(1);
      expect(c.switches[0]).toMatchObject({ from: 'cb-east-1', to: 'cb-west-1' });
      // The client hears of the switch after the group switched (its agent applied it).
      expect(c.switches[0]!.atUs).toBeGreaterThanOrEqual(sw.t);
      expect(c.outages).toHaveLength(1);
      const o = c.outages[0]!;
      expect(o.target).toBe('cb-east-1');
      expect(o.fromUs).toBeGreaterThanOrEqual(70_000_000);
      expect(o.toUs).toBeGreaterThan(c.switches[0]!.atUs);
      expect(c.unavailableUs).toBe(o.toUs - o.fromUs);
    }
    // Served requests after the switch go across the region from east-2: latency shows it.
    const e2 = cs[0]!;
    const before = e2.series.filter((w) => w[0] < 60_000_000 && w[3] > 0).map((w) => w[1]);
    const after = e2.series.filter((w) => w[0] > 90_000_000 && w[3] > 0).map((w) => w[1]);
    expect(Math.max(...before)).toBeLessThan(Math.min(...after));
  });

  it('prints each client in the summary, ships them in --json and draws them in the HTML report', () => {
    const text = formatRunText(r, { color: false });
    expect(text).toMatch(/^Clients \(group app/m);
    expect(text).toMatch(/app-w1 \(west-1\): \d+\.\d% served, unavailable [\d.]+s \(1m1\d\.\ds–1m\d\d\.\ds on cb-east-1\); switched cb-east-1 → cb-west-1 at/);
    const j = runToJson(r);
    expect(j.clients?.map((c) => c.node)).toEqual(['app-e2a', 'app-e2b', 'app-w1']);
    expect(JSON.parse(JSON.stringify(j)).clients[0].series.length).toBe(120);
    const html = renderHtmlReport(r, sc);
    expect(html).toMatch(/<svg id="clients"[^>]*>.*not served/s);
    expect(html).toContain('id="client-table"');
    expect(html).toMatch(/<svg id="latency"[^>]*>.*<polyline/s);
  });

  it('client-outage-within fails, with the client and the outage, when the bound is shorter than the outage', () => {
    const tight = parseScenario(SOURCE.replace('- client-outage-within: 20s', '- client-outage-within: 2s'), FILE);
    const v = runScenario(tight).expectations.find((e) => e.kind === 'client-outage-within')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/^app-\S+ \(\S+\) was not served for [\d.]+s from 1m1\d\.\ds \(calling cb-east-1\)/);
  });

  it('a client that cannot follow (no group switch: the target is never lost) is never unavailable', () => {
    const calm = parseScenario(SOURCE.replace("script: [{ at: 70s, state: down }]", 'script: []').replace('- { at: 70s, kind: isolate, target: east-1 }', ''), FILE);
    const rr = runScenario(calm);
    for (const c of rr.clients!) {
      expect(c.outages).toEqual([]);
      expect(c.switches).toEqual([]);
      expect(c.ok).toBe(c.ops);
    }
  });
});
