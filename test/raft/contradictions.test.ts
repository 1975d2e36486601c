/**
 * Peer input that contradicts Raft's guarantees (a forged or broken peer) is dropped and counted
 * (RaftNode.droppedMessages), never asserted: a peer must not be able to crash a node. Message
 * shape is the validators' business; these are semantic contradictions only RaftNode can see.
 */
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/core/raft/api.ts';
import type { HeartbeatReq } from '../../src/core/raft/messages.ts';
import { ack, append, cmd, electWith, heartbeatResp } from './paper-rules.ts';
import { StepHarness } from './step-harness.ts';
import { makeMembership } from '../../src/core/raft/membership.ts';

const N3 = ['n1', 'n2', 'n3'];

describe('semantic contradictions from peers are dropped and counted', () => {
  it('a heartbeat or append from a second leader in the leader\'s own term', () => {
    const h = new StepHarness();
    h.add('n1', { voters: N3 });
    electWith(h, 'n1', ['n2']);
    const r = h.node('n1');
    const term = r.term();
    h.deliver('n1', 'n3', { type: 'raft.heartbeat', term, commit: 0, round: 1 });
    h.deliver('n1', 'n3', append(term, 1, 1, [cmd(2, term)]));
    expect(r.droppedMessages()).toBe(2);
    expect(r.isLeader()).toBe(true);
    expect(r.term()).toBe(term);
    expect(h.traces.filter((t) => t.kind === 'raft.drop').map((t) => t.fields.reason)).toEqual(['a second leader in our term', 'a second leader in our term']);
  });

  it('a follower that knows its leader ignores another node claiming the same term', () => {
    const h = new StepHarness();
    h.add('n1', { voters: N3 });
    h.deliver('n1', 'n2', append(2, 1, 1, [cmd(2, 2)]));
    expect(h.node('n1').leader()).toBe('n2');
    h.drain();
    h.deliver('n1', 'n3', append(2, 1, 1, [cmd(2, 2, 'forged')]));
    h.deliver('n1', 'n3', { type: 'raft.heartbeat', term: 2, commit: 2, round: 1 });
    const r = h.node('n1');
    expect(r.droppedMessages()).toBe(2);
    expect(r.leader()).toBe('n2');
    expect(r.entryAt(2)).toMatchObject({ data: 'x2' });
    expect(r.commitIndex()).toBe(0);
    expect(h.drain()).toEqual([]); // no answer to the impostor
  });

  it('appends whose entries are not consecutive, come from a future term, or go back in term', () => {
    const h = new StepHarness();
    h.add('n1', { voters: N3, term: 3 });
    const r = h.node('n1');
    h.deliver('n1', 'n2', append(3, 1, 1, [cmd(3, 3)])); // a gap at 2
    h.deliver('n1', 'n2', append(3, 1, 1, [cmd(2, 4)])); // term 4 inside a term-3 append
    h.deliver('n1', 'n2', append(3, 1, 1, [cmd(2, 3), cmd(3, 2)])); // terms decrease
    h.deliver('n1', 'n2', append(3, 1, 5, [])); // prevTerm from the future
    expect(r.droppedMessages()).toBe(4);
    expect(r.lastIndex()).toBe(1);
    // The same leader's well-formed append still works.
    h.deliver('n1', 'n2', append(3, 1, 1, [cmd(2, 3)]));
    expect(r.lastIndex()).toBe(2);
    expect(r.droppedMessages()).toBe(4);
  });

  it('an ack beyond the leader\'s log, and an ack of a heartbeat round never sent', () => {
    const h = new StepHarness();
    h.add('n1', { voters: N3 });
    electWith(h, 'n1', ['n2']);
    const r = h.node('n1');
    const term = r.term();
    h.deliver('n1', 'n2', ack(term, 99));
    expect(r.commitIndex()).toBe(0);
    let read: ReadResult | undefined;
    h.deliver('n1', 'n2', ack(term, r.lastIndex()));
    expect(r.commitIndex()).toBe(r.lastIndex());
    h.drain();
    r.readBarrier((x) => (read = x));
    h.runDue();
    const rounds = h.drain({ from: 'n1', type: 'raft.heartbeat' }).map((s) => (s.msg as HeartbeatReq).round);
    h.deliver('n1', 'n3', heartbeatResp(term, Math.max(...rounds) + 5));
    expect(read).toBeUndefined(); // a forged future round confirms nothing
    expect(r.droppedMessages()).toBe(2);
    h.deliver('n1', 'n3', heartbeatResp(term, Math.max(...rounds)));
    expect(read).toMatchObject({ ok: true });
  });

  it('a snapshot whose reassembled payload is not a snapshot is dropped, not installed or asserted on', () => {
    const h = new StepHarness();
    h.add('n1', { voters: N3 });
    const r = h.node('n1');
    // Not msgpack at all (a truncated map, JSON text), and msgpack of the wrong shapes.
    const bad = [Uint8Array.of(0xde, 0x00), new TextEncoder().encode('{"sm":1,"sessions":[]}'), pack(null), pack({ sm: 1 }), pack([1, 2])];
    for (const data of bad) {
      h.deliver('n1', 'n2', { type: 'raft.snapshot', term: 2, index: 5, snapTerm: 2, membership: makeMembership(N3), offset: 0, data, done: true });
    }
    expect(r.droppedMessages()).toBe(bad.length);
    expect(r.commitIndex()).toBe(0);
    expect(h.traces.filter((t) => t.kind === 'raft.drop').every((t) => t.fields.reason === 'malformed snapshot payload')).toBe(true);
  });
});
