/**
 * The `forge` fault as scenario data: parsed from YAML, recorded in the trace, rebuilt from
 * that event (how `hasim shrink` makes a nemesis schedule explicit) and written back as YAML
 * that parses to the same fault; a run with it forges and the boundary refuses and counts.
 */
import { describe, expect, it } from 'vitest';
import { faultFromEvent } from '../../src/scenario/fault-events.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { prepareRun } from '../../src/scenario/runner.ts';
import { scenarioWithFaults } from '../../src/scenario/write.ts';
import type { TraceEvent } from '../../src/sim/types.ts';

const YAML = `# forge round trip
name: forge-roundtrip
duration: 12s
topology:
  regions:
    - name: eu
      dcs:
        - { name: eu-1, nodes: [n1, n2, n3] }
raft:
  voters: [n1, n2, n3]
faults:
  - { at: 2s, kind: forge, rate: 300/s, for: 5s }
expect:
  - raft-safety
`;

describe('forge fault', () => {
  it('parses, forges, is recorded, and round-trips through the trace and YAML', () => {
    const sc = parseScenario(YAML);
    expect(sc.faults).toEqual([{ at: 2_000_000, fault: { kind: 'forge', rate: 300, for: 5_000_000 } }]);
    const events: TraceEvent[] = [];
    const run = prepareRun(sc, { onEvent: (ev) => ev.kind === 'fault' && events.push(ev) });
    run.advanceTo(run.endUs);
    const r = run.finish();
    expect(r.passed).toBe(true);
    const f = run.world.forger().stats;
    expect(f.sent).toBeGreaterThan(1000); // 300/s for 5 s
    expect(run.world.stats.invalid).toBeGreaterThan(f.garbage / 2);
    const rebuilt = events.map(faultFromEvent);
    expect(rebuilt).toEqual([{ at: 2_000_000, fault: { kind: 'forge', rate: 300, for: 5_000_000 } }]);
    const again = parseScenario(scenarioWithFaults(sc, rebuilt.map((x) => x!), { dropNemesis: true, seed: 1, header: 'rebuilt' }));
    expect(again.faults).toEqual(sc.faults);
    expect(() => parseScenario(YAML.replace('300/s', '0/s'))).toThrow(/rate/);
  });
});
