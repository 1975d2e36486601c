/**
 * Failover timing figures: for many seeds, a DC is lost (its target dies and its observers
 * crash) and we measure death -> DOWN event and death -> active key moved, against the
 * bound computed from the configuration. Also: how the debounce threshold trades detection
 * time against false events under a flapping target.
 * Run: node bin/run-ts.js bench/ha-failover.ts [runs]
 */
import { sec } from '../src/core/env.ts';
import { CB_TARGETS, FAST_HA, TWO_REGIONS_THREE_DCS, haCluster } from '../test/ha/harness.ts';

const RUNS = Number(process.argv[2] ?? 100);
const s = (us: number) => (us / 1e6).toFixed(3);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

function dcLoss(failuresBeforeDown: number, stack: 'fake' | 'raft-swim' = 'fake', runs = RUNS) {
  const lat: number[] = [];
  const fo: number[] = [];
  let violations = 0;
  let bound = 0;
  for (let seed = 1; seed <= runs; seed++) {
    if (seed % 25 === 0) console.error(`[ha-failover] ${stack} failuresBeforeDown=${failuresBeforeDown} run ${seed}/${runs}`);
    const deathUs = sec(20) + seed * 37_013; // spread the death over the check phase
    const c = haCluster({
      stack,
      world: { seed, topology: TWO_REGIONS_THREE_DCS, network: { loss: 0.01 } },
      targets: CB_TARGETS.map((t) => (t.key === 'cb/eu-1' ? { ...t, script: [{ at: deathUs, state: 'down' as const }] } : t)),
      groups: [{ name: 'cb', targets: ['cb/eu-1', 'cb/eu-2', 'cb/us-1'] }],
      config: { ...FAST_HA, failuresBeforeDown, successesBeforeUp: failuresBeforeDown },
    });
    c.world.at(deathUs, () => { c.world.inject({ kind: 'crash', node: 'n1' }); c.world.inject({ kind: 'crash', node: 'n2' }); });
    c.world.run(sec(60));
    const v = c.checker.verdict();
    bound = c.bound.totalUs;
    if (!v.ok) violations++;
    const d = v.detections.find((x) => x.key === 'cb/eu-1' && x.to === 'down');
    if (d?.latencyUs !== undefined) lat.push(d.latencyUs);
    if (d?.failedOverAtUs !== undefined) fo.push(d.failedOverAtUs - d.realAtUs);
  }
  return { lat, fo, violations, bound };
}

function flapping(failuresBeforeDown: number) {
  let events = 0;
  for (let seed = 1; seed <= Math.max(5, RUNS / 10); seed++) {
    const c = haCluster({
      world: { seed, topology: TWO_REGIONS_THREE_DCS },
      targets: [{ key: 'cb/eu-2', dc: 'eu-2', script: [{ at: sec(5), state: 'flapping', downUs: sec(2), upUs: sec(2) }] }],
      config: { ...FAST_HA, failuresBeforeDown, successesBeforeUp: failuresBeforeDown },
    });
    c.world.run(sec(120));
    events += c.checker.verdict().events.length;
  }
  return events / Math.max(5, RUNS / 10);
}

console.log(`HA failover timing, ${RUNS} seeds per row; check interval ${s(FAST_HA.checkIntervalUs!)}s, timeout ${s(FAST_HA.checkTimeoutUs!)}s, eval ${s(FAST_HA.evalIntervalUs!)}s x ${FAST_HA.confirmEvals}`);
console.log('Scenario: DC eu-1 lost (target + both observers) at t~20s; 2 regions / 3 DCs / 6 observers; 1% datagram loss.\n');
console.log('failuresBeforeDown  bound(s)  DOWN p50   p99     max    failover max  within bound  checker  flap events/120s (2s down/2s up)');
for (const f of [1, 2, 3, 5]) {
  const r = dcLoss(f);
  const within = r.lat.filter((x) => x <= r.bound).length;
  console.log(
    `${String(f).padStart(18)}  ${s(r.bound).padStart(8)}  ${s(pct(r.lat, 0.5))}  ${s(pct(r.lat, 0.99))}  ${s(Math.max(...r.lat))}  ${s(Math.max(...r.fo)).padStart(12)}  ${`${within}/${RUNS}`.padStart(12)}  ${(r.violations ? `${r.violations} bad` : 'ok').padStart(7)}  ${flapping(f).toFixed(1)}`,
  );
}
const SW_RUNS = Math.max(5, Math.floor(RUNS / 4));
console.log(`\nSame scenario on the real cores (RaftNode replicating the HA state, SWIM gossip + membership), ${SW_RUNS} seeds:`);
console.log('failuresBeforeDown  bound(s)  DOWN p50   p99     max    failover max  within bound  checker');
for (const f of [3]) {
  const r = dcLoss(f, 'raft-swim', SW_RUNS);
  const within = r.lat.filter((x) => x <= r.bound).length;
  console.log(
    `${String(f).padStart(18)}  ${s(r.bound).padStart(8)}  ${s(pct(r.lat, 0.5))}  ${s(pct(r.lat, 0.99))}  ${s(Math.max(...r.lat))}  ${s(Math.max(...r.fo)).padStart(12)}  ${`${within}/${SW_RUNS}`.padStart(12)}  ${(r.violations ? `${r.violations} bad` : 'ok').padStart(7)}`,
  );
}
console.log('\nbound = failuresBeforeDown*interval + timeout + gossip + confirmEvals*eval + commit; see detectionBoundUs().');
console.log('gossip/commit terms: direct fan-out 0.15s / fake commit 0.02s; SWIM 4 gossip rounds + 0.15s / Raft commit 0.2s.');
