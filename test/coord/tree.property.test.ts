/**
 * Properties of the replicated tree, on the pure state machine (fast, many runs):
 * sequential names strictly increase, multi() is atomic, ephemerals live and die with their
 * session, snapshots round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZkTree, type CreateMode, type TreeOp } from '../../src/core/coord/tree/index.ts';

const PATHS = ['/a', '/a/b', '/a/c', '/d', '/a/b/e', '/d/f'];
const MODES: CreateMode[] = ['persistent', 'ephemeral', 'persistent_sequential', 'ephemeral_sequential', 'container'];

const opArb: fc.Arbitrary<TreeOp> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), path: fc.constantFrom(...PATHS), data: fc.string({ maxLength: 3 }), mode: fc.constantFrom(...MODES) }),
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS), version: fc.constantFrom(-1, 0, 1) }),
  fc.record({ op: fc.constant('setData' as const), path: fc.constantFrom(...PATHS), data: fc.string({ maxLength: 3 }), version: fc.constantFrom(-1, 0, 1, 2) }),
  fc.record({ op: fc.constant('check' as const), path: fc.constantFrom(...PATHS), version: fc.constantFrom(-1, 0, 1) }),
);

type Step =
  | { kind: 'op'; session: number; op: TreeOp }
  | { kind: 'multi'; session: number; ops: TreeOp[] }
  | { kind: 'close'; session: number }
  | { kind: 'open' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('op' as const), session: fc.nat(2), op: opArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('multi' as const), session: fc.nat(2), ops: fc.array(opArb, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), session: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'open' as const }) },
);

/** Runs steps on a tree; returns the tree and the sequential names created per parent, in order. */
function run(steps: Step[], onStep?: (tree: ZkTree, sessions: string[], zxid: number) => void) {
  const tree = new ZkTree();
  let zxid = 0;
  const sessions: string[] = [];
  for (let i = 0; i < 3; i++) sessions.push(tree.createSession(++zxid, 10_000_000).id);
  const seqNames = new Map<string, string[]>();
  const noteSeq = (path: string) => {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    seqNames.set(parent, [...(seqNames.get(parent) ?? []), path]);
  };
  for (const s of steps) {
    zxid++;
    if (s.kind === 'open') sessions.push(tree.createSession(zxid, 10_000_000).id);
    else if (s.kind === 'close') tree.closeSession(sessions[s.session % sessions.length]!, zxid, zxid);
    else if (s.kind === 'op') {
      const r = tree.apply(s.op, sessions[s.session % sessions.length]!, zxid, zxid).result;
      if (r.ok && r.value.op === 'create' && s.op.op === 'create' && s.op.mode.endsWith('sequential')) noteSeq(r.value.path);
    } else {
      const r = tree.multi(s.ops, sessions[s.session % sessions.length]!, zxid, zxid).result;
      if (r.ok) r.results.forEach((res, j) => {
        const op = s.ops[j]!;
        if (res.op === 'create' && op.op === 'create' && op.mode.endsWith('sequential')) noteSeq(res.path);
      });
    }
    onStep?.(tree, sessions, zxid);
  }
  return { tree, seqNames, sessions };
}

describe('tree properties', () => {
  it('sequential names under one parent strictly increase', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { seqNames } = run(steps);
        for (const names of seqNames.values()) {
          const seqs = names.map((n) => Number(n.slice(-10)));
          for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('multi() is atomic: a failed multi changes nothing, a successful one equals its ops applied in order', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), fc.array(opArb, { minLength: 1, maxLength: 5 }), (prefix, ops) => {
        const { tree, sessions } = run(prefix);
        const before = tree.snapshot();
        const zxid = 10_000;
        const { result, events } = tree.multi(ops, sessions[0]!, zxid, zxid);
        if (!result.ok) {
          expect(tree.snapshot()).toEqual(before);
          expect(events).toEqual([]);
          expect(result.errors[result.failedAt]).toBe(result.error);
          return;
        }
        const twin = new ZkTree();
        twin.restore(structuredClone(before));
        for (const op of ops) expect(twin.apply(op, sessions[0]!, zxid, zxid).result.ok).toBe(true);
        expect(tree.snapshot()).toEqual(twin.snapshot());
      }),
      { numRuns: 400 },
    );
  });

  it('every ephemeral belongs to a live session, and closing a session removes exactly its ephemerals', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        run(steps, (tree) => {
          const snap = tree.snapshot();
          const live = new Set(snap.sessions.map((s) => s.id));
          for (const n of snap.nodes) if (n.stat.ephemeralOwner !== '0') expect(live.has(n.stat.ephemeralOwner)).toBe(true);
        });
        const { tree, sessions } = run(steps);
        for (const s of sessions) {
          if (!tree.hasSession(s)) continue;
          const mine = tree.ephemeralsOf(s);
          const others = tree.snapshot().nodes.filter((n) => n.stat.ephemeralOwner !== '0' && n.stat.ephemeralOwner !== s).map((n) => n.path);
          tree.closeSession(s, 20_000, 20_000);
          const after = new Set(tree.snapshot().nodes.map((n) => n.path));
          for (const p of mine) expect(after.has(p)).toBe(false);
          for (const p of others) expect(after.has(p)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('snapshot / restore round-trips and stats stay consistent', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { tree } = run(steps);
        const copy = new ZkTree();
        copy.restore(structuredClone(tree.snapshot()));
        expect(copy.snapshot()).toEqual(tree.snapshot());
        for (const n of tree.snapshot().nodes) {
          expect(n.stat.numChildren).toBe(tree.getChildren(n.path)!.length);
          expect(n.stat.dataLength).toBe(n.data.length);
          expect(n.stat.mzxid).toBeGreaterThanOrEqual(n.stat.czxid);
          expect(n.stat.pzxid).toBeGreaterThanOrEqual(n.stat.czxid);
        }
      }),
      { numRuns: 300 },
    );
  });
});
