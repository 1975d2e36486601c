/**
 * A RaftNode steps messages from construction on, so it may have campaigned and won before its
 * host calls start() (found by bench/raft-election.ts: a late start armed an election timer on
 * a leader). start() on a leader keeps it leading and arms no election timer.
 */
import { expect, it } from 'vitest';
import { electWith } from './paper-rules.ts';
import { StepHarness } from './step-harness.ts';

it('start() after the node already won an election leaves a working leader', () => {
  const h = new StepHarness();
  for (const id of ['n1', 'n2', 'n3']) h.add(id, { voters: ['n1', 'n2', 'n3'] });
  electWith(h, 'n1', ['n2']);
  expect(() => h.node('n1').start()).not.toThrow();
  expect(h.node('n1').isLeader()).toBe(true);
  // Heartbeats keep flowing and no election timer fires on the leader.
  h.drain({});
  h.advance(2_000_000);
  expect(h.node('n1').isLeader()).toBe(true);
  expect(h.drain({ from: 'n1', type: 'raft.heartbeat' }).length).toBeGreaterThan(0);
});
