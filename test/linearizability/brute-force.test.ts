/**
 * The checker against the definition: on small random single-key histories (values drawn
 * from a tiny set, so they repeat; random overlap; ok / fail / info outcomes), the verdict
 * must equal a brute force over every subset of info ops and every order that respects real
 * time. And every counterexample must itself be non-linearizable by the brute force.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizability } from '../../src/sim/checkers/linearizability/index.ts';
import { pairOperations, HistoryRecorder, type HistoryEvent, type Operation } from '../../src/sim/history.ts';

type V = number | null;

/** Sequential register semantics; undefined when op cannot happen in state s. */
function apply(s: V, o: Operation): V | undefined {
  switch (o.f) {
    case 'read':
      return o.status === 'ok' && o.output !== s ? undefined : s;
    case 'write':
      return o.input as V;
    case 'delete':
      return null;
    case 'cas': {
      const [e, n] = o.input as [V, V];
      return e === s ? n : undefined;
    }
  }
  throw new Error(`bad op ${o.f}`);
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Linearizable from one of `initials`? ok ops must appear; info writes may; fail ops and info reads never matter. */
function bruteForce(ops: readonly Operation[], initials: readonly V[]): boolean {
  const must = ops.filter((o) => o.status === 'ok');
  const may = ops.filter((o) => o.status === 'info' && o.f !== 'read');
  for (let mask = 0; mask < 1 << may.length; mask++) {
    const chosen = [...must, ...may.filter((_, i) => mask & (1 << i))];
    for (const perm of permutations(chosen)) {
      let realTimeOk = true;
      for (let i = 0; i < perm.length && realTimeOk; i++) {
        for (let j = i + 1; j < perm.length; j++) {
          if (perm[j]!.completeTime < perm[i]!.invokeTime) {
            realTimeOk = false;
            break;
          }
        }
      }
      if (!realTimeOk) continue;
      for (const init of initials) {
        let s: V | undefined = init;
        for (const o of perm) {
          s = apply(s as V, o);
          if (s === undefined) break;
        }
        if (s !== undefined) return true;
      }
    }
  }
  return false;
}

const opArb = fc.record({
  process: fc.integer({ min: 0, max: 2 }),
  gap: fc.integer({ min: 0, max: 6 }),
  len: fc.integer({ min: 0, max: 12 }),
  f: fc.constantFrom('read', 'write', 'cas', 'delete'),
  a: fc.constantFrom<V>(null, 1, 2),
  b: fc.constantFrom<V>(1, 2, 3),
  outcome: fc.constantFrom('ok', 'ok', 'ok', 'info', 'fail'),
});

/** Builds a well-formed history: each process's ops one after another. */
type Spec = typeof opArb extends fc.Arbitrary<infer T> ? T : never;
function build(specs: Spec[]): HistoryEvent[] {
  const freeAt = [0, 0, 0];
  const procId = [0, 1, 2];
  let next = 3;
  const evs: { t: number; k: number; ev: HistoryEvent }[] = [];
  let k = 0;
  for (const s of specs) {
    const p = procId[s.process]!;
    const call = freeAt[s.process]! + s.gap;
    const ret = call + s.len;
    freeAt[s.process] = ret + 1;
    const input = s.f === 'write' ? s.a ?? 1 : s.f === 'cas' ? [s.a, s.b] : null;
    const type = s.f === 'read' && s.outcome === 'fail' ? 'ok' : s.outcome;
    const output = s.f === 'read' ? s.a : input;
    evs.push({ t: call, k: k++, ev: { process: p, type: 'invoke', f: s.f, key: 'x', value: input, time: call } });
    evs.push({ t: ret, k: k++, ev: { process: p, type: type as 'ok' | 'info' | 'fail', f: s.f, key: 'x', value: output, time: ret } });
    if (type === 'info') procId[s.process] = next++;
  }
  evs.sort((x, y) => x.t - y.t || x.k - y.k);
  const rec = new HistoryRecorder();
  for (const { ev } of evs) {
    if (ev.type === 'invoke') rec.invoke(ev.process, ev.f, ev.key, ev.value, ev.time);
    else rec.complete(ev.process, ev.type, ev.time, ev.value);
  }
  return [...rec.events()];
}

describe('checker = brute force on small histories', () => {
  it('same verdict, with and without the pre-check; counterexamples are genuine', () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 7 }), (specs) => {
        const h = build(specs);
        const ops = pairOperations(h);
        const expected = bruteForce(ops, [null]);
        seen[expected ? 'valid' : 'invalid']++;
        for (const quickCheck of [true, false]) {
          const r = checkLinearizability(h, { quickCheck });
          expect(r.valid).toBe(expected);
          if (r.valid === false) {
            const ce = r.counterexample!;
            const relaxed = new Set(ce.relaxedOps);
            // Relaxed cas ops act as writes of their new value in the witness.
            const witness = ce.ops.map((o) => (relaxed.has(o.id) ? { ...o, f: 'write', input: (o.input as V[])[1] } : o));
            const initials: V[] = ce.anyInitial ? [null, 1, 2, 3, 99] : [null];
            expect(bruteForce(witness, initials)).toBe(false);
          }
        }
      }),
      { numRuns: 3000 },
    );
    // Both verdicts must be well represented, or the comparison proves little.
    expect(seen.valid).toBeGreaterThan(300);
    expect(seen.invalid).toBeGreaterThan(300);
  });
});
