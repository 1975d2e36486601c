/** The log line for each cut storage made at start (issue 15 point 4): WARN for a torn tail, ERROR naming file, offset and indices lost. */
import { describe, expect, it } from 'vitest';
import { describeCut } from '../../src/hanode/storage-damage-log.ts';

describe('describeCut', () => {
  it('a torn tail is a WARN', () => {
    expect(describeCut('raft', { file: 'log/00000001.seg', offset: 900, bytesCut: 5, reason: 'short record', tail: true }, 41, 40)).toMatch(/^\[WARN\] storage raft: cut /);
  });

  it('damage that valid data followed is an ERROR with file, offset and the index range lost', () => {
    const line = describeCut('raft', { file: 'log/00000001.seg', offset: 512, bytesCut: 700, reason: 'checksum', tail: false, lastIndexSeen: 30 }, 12, 25);
    expect(line).toBe(
      '[ERROR] storage raft: synced records damaged (checksum) in log/00000001.seg at offset 512 (700 bytes cut); log indices 13..30 lost on this node; it repairs them from its peers before it votes again',
    );
    // Past what the readable records show, the node's acked mark says how far it had acknowledged.
    expect(describeCut('raft', { file: 'f', offset: 1, bytesCut: 2, reason: 'checksum', tail: false }, 12, 40)).toMatch(/log indices 13\.\.40 \(as far as this node acknowledged; more may follow\) lost/);
    expect(describeCut('raft', { file: 'f', offset: 1, bytesCut: 2, reason: 'checksum', tail: false }, 12, undefined)).toMatch(/log indices from 13 lost/);
  });
});
