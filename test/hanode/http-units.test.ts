/** Pure helpers of the HTTP layer: Go durations, exact uint64 JSON, query flags, Prometheus text. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../src/hanode/http/duration.ts';
import { parseU64, toJson, U64 } from '../../src/hanode/http/json.ts';
import { Query, queryOptions } from '../../src/hanode/http/query.ts';
import { HttpError } from '../../src/hanode/http/errors.ts';
import { prometheusText, promName } from '../../src/hanode/routes/metrics.ts';

describe('Go durations', () => {
  it('parses what Consul accepts', () => {
    expect(parseGoDuration('10s')).toBe(10_000_000);
    expect(parseGoDuration('1m30s')).toBe(90_000_000);
    expect(parseGoDuration('250ms')).toBe(250_000);
    expect(parseGoDuration('1h')).toBe(3_600_000_000);
    expect(parseGoDuration('15')).toBe(15_000_000);
    for (const bad of ['', 'forever', '10x', 's', '-1s', '1s2']) expect(parseGoDuration(bad), bad).toBeUndefined();
  });
  it('format then parse is the identity on whole milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 48 * 3600 * 1000 }), (msValue) => parseGoDuration(formatGoDuration(msValue * 1000)) === msValue * 1000), { numRuns: 500 });
  });
});

describe('uint64 JSON', () => {
  it('writes any uint64 exactly and parseU64 bounds it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        const text = toJson({ Flags: new U64(n.toString()), Key: 'k' });
        const m = /"Flags":(\d+)/.exec(text);
        return m !== null && BigInt(m[1]!) === n && parseU64(n.toString()) === n.toString();
      }),
      { numRuns: 300 },
    );
    expect(parseU64('18446744073709551616')).toBeUndefined();
    expect(parseU64('-1')).toBeUndefined();
  });
});

describe('query flags', () => {
  it('count by presence and reject conflicting consistency modes', () => {
    const q = (s: string) => new Query(new URLSearchParams(s));
    expect(q('recurse=false').has('recurse')).toBe(true);
    expect(queryOptions(q('stale')).consistency).toBe('stale');
    expect(queryOptions(q('index=5&wait=20m'))).toMatchObject({ minIndex: 5, waitUs: 600_000_000 });
    expect(queryOptions(q('')).waitUs).toBe(300_000_000);
    for (const bad of ['stale&consistent', 'index=-1', 'index=x', 'wait=soon']) {
      expect(() => queryOptions(q(bad)), bad).toThrow(HttpError);
    }
  });
});

describe('Prometheus text format', () => {
  it('writes HELP/TYPE once per name, escapes labels, sanitises names', () => {
    const text = prometheusText([
      { name: 'a.b', help: 'x', type: 'gauge', value: 1, labels: { node: 'n"1\\' } },
      { name: 'a.b', help: 'x', type: 'gauge', value: 2, labels: { node: 'n2' } },
      { name: '9c', help: 'line\nbreak', type: 'counter', value: 3 },
    ]);
    expect(text).toBe(['# HELP a_b x', '# TYPE a_b gauge', 'a_b{node="n\\"1\\\\"} 1', 'a_b{node="n2"} 2', '# HELP _9c line\\nbreak', '# TYPE _9c counter', '_9c 3', ''].join('\n'));
    fc.assert(fc.property(fc.string(), (s) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(promName(s)) || s === ''), { numRuns: 300 });
  });
});
