/** hanode agent --raft-heartbeat-interval / --raft-election-timeout parsing (src/hanode/raft-timing-flags.ts). */
import { describe, expect, it } from 'vitest';
import { raftTimingFlags } from '../../src/hanode/raft-timing-flags.ts';

describe('raft timing flags', () => {
  it('parses Go durations and refuses nonsense', () => {
    expect(raftTimingFlags('100ms', '1s-2s')).toEqual({ heartbeatIntervalUs: 100_000, electionTimeoutMinUs: 1_000_000, electionTimeoutMaxUs: 2_000_000 });
    expect(raftTimingFlags(undefined, '1500ms')).toEqual({ electionTimeoutMinUs: 1_500_000, electionTimeoutMaxUs: 1_500_000 });
    expect(raftTimingFlags(undefined, undefined)).toEqual({});
    for (const [h, e] of [['soon', undefined], ['0s', undefined], [undefined, '2s-1s'], [undefined, 'x-y'], ['2s', '1s-3s']] as const) {
      expect(typeof raftTimingFlags(h, e), `${h} ${e}`).toBe('string');
    }
  });
});
