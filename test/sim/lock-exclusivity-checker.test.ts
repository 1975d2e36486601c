/**
 * The one lock checker (src/sim/checkers/lock-exclusivity.ts) on hand-made histories: a clean
 * hand-over passes; an overlapping holder, a double grant, a non-increasing fencing token and a
 * grant inside the lock-delay each fail.
 */
import { describe, expect, it } from 'vitest';
import { LockExclusivityChecker, type LockObservation } from '../../src/sim/checkers/lock-exclusivity.ts';

const S = 1_000_000;

/** c1 holds L with session s1 (token 1) until its session is invalidated at 30 s; c2 takes it at 46 s (lock-delay 15 s). */
function handOver(): LockObservation[] {
  return [
    { kind: 'granted', t: 1 * S, key: 'L', session: 's1', holder: 'c1', token: 1, clock: 1 * S },
    { kind: 'believed', key: 'L', client: 'c1', session: 's1', fromUs: 1.1 * S, toUs: 20 * S },
    { kind: 'freed', t: 30 * S, key: 'L', session: 's1', cause: 'invalidated', lockDelayUs: 15 * S, clock: 30 * S },
    { kind: 'granted', t: 46 * S, key: 'L', session: 's2', holder: 'c2', token: 2, clock: 46 * S },
    { kind: 'believed', key: 'L', client: 'c2', session: 's2', fromUs: 46.1 * S, toUs: 50 * S },
    { kind: 'freed', t: 50.2 * S, key: 'L', session: 's2', cause: 'release', lockDelayUs: 15 * S, clock: 50.2 * S },
  ];
}

function check(obs: readonly LockObservation[]) {
  const k = new LockExclusivityChecker();
  for (const o of obs) k.record(o);
  return k.check();
}

describe('lock-exclusive: one checker, one meaning', () => {
  it('passes a hand-over after invalidation and lock-delay', () => {
    const v = check(handOver());
    expect(v.violations).toEqual([]);
    expect(v.stats.acquisitions).toBe(2);
    expect(v.stats.beliefs).toBe(2);
  });

  it('fails when a holder still believes while the servers hold the lock for another session (overlapping holders)', () => {
    const obs = handOver().map((o) => (o.kind === 'believed' && o.client === 'c1' ? { ...o, toUs: 47 * S } : o));
    const v = check(obs);
    expect(v.ok).toBe(false);
    expect(v.violations.join('\n')).toMatch(/c1 believes it holds it .* while the servers hold it for c2/);
    expect(v.first!.t).toBe(46 * S);
  });

  it('fails on a second grant while the lock is held', () => {
    const obs = handOver().filter((o) => o.kind !== 'freed' || o.session !== 's1');
    const v = check(obs);
    expect(v.ok).toBe(false);
    expect(v.violations.join('\n')).toMatch(/granted to c2 .* while c1 \(session s1\) held it/);
  });

  it('fails when a new grant does not carry a larger fencing token', () => {
    const obs = handOver().map((o) => (o.kind === 'granted' && o.session === 's2' ? { ...o, token: 1 } : o));
    expect(check(obs).violations.join('\n')).toMatch(/fencing token 1 of c2 .* does not exceed the previous grant's 1/);
  });

  it('fails on a grant inside the lock-delay after an invalidation (judged on the replicated clock)', () => {
    const early = handOver().map((o) => (o.kind === 'granted' && o.session === 's2' ? { ...o, t: 35 * S, clock: 35 * S } : o));
    expect(check(early).violations.join('\n')).toMatch(/within its lock-delay of 15\.000s/);
    // A release (not an invalidation) has no lock-delay.
    const released = early.map((o) => (o.kind === 'freed' && o.session === 's1' ? { ...o, cause: 'release' as const } : o));
    expect(check(released).violations).toEqual([]);
  });
});
