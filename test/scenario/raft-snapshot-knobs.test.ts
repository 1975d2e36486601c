/**
 * `raft: snapshotThreshold / snapshotTrailing` reach every simulated server's RaftConfig:
 * stress/raft-snapshot-lag.yaml (32 / 4) takes snapshots and installs some on lagging followers;
 * the same file without the two keys (the defaults, 8192 / 10,240) does neither.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../src/scenario/index.ts';

const FILE = 'scenarios/stress/raft-snapshot-lag.yaml';
/** Snapshots taken by a node itself, and installed from a leader's InstallSnapshot. */
function snapshots(text: string): { taken: number; installed: number } {
  const ev = (runScenario(parseScenario(text, FILE), { seed: 1, recordTrace: true }).trace ?? []).filter((e) => e.kind === 'raft.snapshot');
  return { taken: ev.filter((e) => e['installed'] === false).length, installed: ev.filter((e) => e['installed'] === true).length };
}

it('small snapshot settings make lagging followers install snapshots; the defaults do not', () => {
  const text = readFileSync(FILE, 'utf8');
  const defaults = text.replace('  snapshotThreshold: 32\n', '').replace('  snapshotTrailing: 4\n', '');
  expect(defaults).not.toBe(text);
  const small = snapshots(text);
  expect(small.taken).toBeGreaterThan(10);
  expect(small.installed).toBeGreaterThan(0);
  expect(snapshots(defaults)).toEqual({ taken: 0, installed: 0 });
}, 300_000);
