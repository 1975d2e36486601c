/**
 * The lock and lease workloads speak hanode's API in the simulator's loop (issue 14 pt 2):
 * their history holds the HTTP-level requests, served by the route logic with forwarding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTestMutants } from '../../src/core/test-mutants.ts';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

describe('lock and lease workloads through the API', () => {
  afterEach(() => {
    delete process.env['HASIM_MUTANTS'];
    setTestMutants([]);
  });

  it('lock-under-partition: sessions, acquires and releases are /v1 requests in the history, and lock-exclusive judges them', () => {
    const r = runScenario(loadScenarioFile('scenarios/lock-under-partition.yaml'), { keepHistory: true });
    const h = r.history!;
    const invokes = h.filter((e) => e.type === 'invoke');
    expect(invokes.some((e) => e.f === 'session-create' && e.value === 'PUT /v1/session/create')).toBe(true);
    expect(invokes.some((e) => e.f === 'acquire' && /^PUT \/v1\/kv\/locks\/L0\?acquire=5e55104d-/.test(String(e.value)))).toBe(true);
    expect(invokes.some((e) => e.f === 'release' && /\?release=/.test(String(e.value)))).toBe(true);
    expect(invokes.some((e) => e.f === 'session-renew' && /^PUT \/v1\/session\/renew\//.test(String(e.value)))).toBe(true);
    // Acquires answered true and false (contention), as the KV route answers them.
    const answers = h.filter((e) => e.type === 'ok' && e.f === 'acquire').map((e) => (e.value as { json: unknown }).json);
    expect(answers).toContain(true);
    expect(answers).toContain(false);
    expect(r.expectations.find((e) => e.kind === 'lock-exclusive')!.status).toBe('pass');
  });

  it("lease-expiry: a crashed client's session (its lease) is invalidated by the rule, through the API", () => {
    const r = runScenario(loadScenarioFile('scenarios/lease-expiry.yaml'), { keepHistory: true });
    const h = r.history!;
    expect(h.some((e) => e.type === 'invoke' && e.f === 'acquire' && /^PUT \/v1\/kv\/svc\/c1\?acquire=/.test(String(e.value)))).toBe(true);
    expect(h.some((e) => e.type === 'ok' && e.f === 'session-renew')).toBe(true);
    const v = r.expectations.find((e) => e.kind === 'lease-expires-within')!;
    expect(v.status).toBe('pass');
    expect(v.detail).toMatch(/sessions \(leases via the API\) created, [1-9]\d* expired/);
  });

  it('the session-lease checker fails a leader that invalidates at TTL instead of 2 x TTL (test-only mutant sessionTtlOnce)', () => {
    process.env['HASIM_MUTANTS'] = 'sessionTtlOnce';
    const r = runScenario(loadScenarioFile('scenarios/lease-expiry.yaml'));
    const v = r.expectations.find((e) => e.kind === 'lease-expires-within')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/lease of c1 expired at .*, before its deadline/);
  });
});
