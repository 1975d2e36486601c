/**
 * A read-only cursor over a parsed YAML document that remembers where each value came
 * from, so every validation error can name FILE:LINE:COL and the field path.
 *
 * Validation is written as ordinary code over `View`s (`v.get('at').duration()`); the first
 * problem throws a ScenarioError. The `yaml` package's LineCounter turns node offsets into
 * line/column.
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode, isPair } from 'yaml';
import type { Micros } from '../core/env.ts';
import type { LatencyDist } from '../sim/types.ts';
import { ScenarioError } from './errors.ts';
import { parseDuration, parseLatency, parseRatePerSec, parseRatio } from './units.ts';

export interface Source {
  readonly file: string;
  readonly lines: LineCounter;
  /** When set, problems that need not stop validation (unknown keys) are recorded here. */
  readonly errors?: ScenarioError[];
}

function describe(node: YamlNode | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    return String(v);
  }
  return 'an unsupported YAML node';
}

/** Closest candidate by edit distance, for "did you mean" hints (bounded: short names only). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export class View {
  constructor(
    readonly src: Source,
    readonly node: YamlNode | null | undefined,
    readonly path: string,
    /** Where to point when the node itself is absent (the parent map). */
    readonly fallbackOffset = 0,
  ) {}

  private offset(): number {
    const r = this.node?.range;
    return r ? r[0] : this.fallbackOffset;
  }

  /** 1-based line and column of this value (or of its parent when absent). */
  where(): { line: number; col: number } {
    const p = this.src.lines.linePos(this.offset());
    return { line: p.line, col: p.col };
  }

  /** Throws a ScenarioError located at this value. */
  fail(expected: string): never {
    const { line, col } = this.where();
    throw new ScenarioError(this.src.file, line, col, this.path, expected);
  }

  /** Fails with "expected X, got Y". */
  expect(what: string): never {
    this.fail(`expected ${what}, got ${describe(this.node)}`);
  }

  get present(): boolean {
    return !(this.node === null || this.node === undefined || (isScalar(this.node) && this.node.value === null));
  }

  isMap(): boolean {
    return isMap(this.node);
  }
  isSeq(): boolean {
    return isSeq(this.node);
  }
  isScalar(): boolean {
    return isScalar(this.node);
  }

  private childPath(key: string | number): string {
    if (typeof key === 'number') return `${this.path}[${key}]`;
    return this.path ? `${this.path}.${key}` : key;
  }

  /** The map's keys in file order (this must be a map). */
  keys(): string[] {
    if (!isMap(this.node)) this.expect('a map');
    return this.node.items.map((p): string => {
      const k = isScalar(p.key) ? p.key.value : undefined;
      if (typeof k !== 'string') return new View(this.src, p.key as YamlNode, this.path, this.offset()).expect('a string key');
      return k;
    });
  }

  /** Child of a map; absent children are Views with present === false. */
  get(key: string): View {
    if (!this.present) return new View(this.src, undefined, this.childPath(key), this.offset());
    if (!isMap(this.node)) this.expect(`a map (with "${key}")`);
    for (const p of this.node.items) {
      if (isPair(p) && isScalar(p.key) && p.key.value === key) {
        return new View(this.src, p.value as YamlNode | null, this.childPath(key), (p.key as YamlNode).range?.[0] ?? this.offset());
      }
    }
    return new View(this.src, undefined, this.childPath(key), this.offset());
  }

  /**
   * Fails on a key outside `allowed` (with a did-you-mean hint). When errors are collected
   * (Source.errors), every unknown key of the map is reported; the top level then goes on,
   * a nested map stops (its other errors would only be consequences of the typo).
   */
  allowKeys(allowed: readonly string[]): this {
    if (!this.present) return this;
    if (!isMap(this.node)) this.expect('a map');
    const bad: ScenarioError[] = [];
    for (const p of this.node.items) {
      const k = isScalar(p.key) ? p.key.value : undefined;
      if (typeof k !== 'string' || !allowed.includes(k)) {
        const kv = new View(this.src, p.key as YamlNode, this.childPath(String(k)), this.offset());
        const hint = typeof k === 'string' ? closest(k, allowed) : undefined;
        const { line, col } = kv.where();
        bad.push(new ScenarioError(this.src.file, line, col, kv.path, `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}`));
      }
    }
    if (bad.length === 0) return this;
    if (!this.src.errors) throw bad[0]!;
    if (this.path === '') {
      this.src.errors.push(...bad);
      return this;
    }
    this.src.errors.push(...bad.slice(0, -1));
    throw bad[bad.length - 1]!;
  }

  /** Elements of a list; a single scalar is NOT promoted (be strict). */
  list(): View[] {
    if (!isSeq(this.node)) this.expect('a list');
    return this.node.items.map((n, i) => new View(this.src, n as YamlNode, this.childPath(i), this.offset()));
  }

  /** Elements of a list, or [] when absent. */
  listOpt(): View[] {
    return this.present ? this.list() : [];
  }

  /** The plain JS value of this node (for opaque sub-configs). */
  raw(): unknown {
    if (!this.present) return undefined;
    return (this.node as YamlNode).toJSON();
  }

  required(): this {
    if (!this.present) this.fail('required field is missing');
    return this;
  }

  private scalar(): unknown {
    if (!isScalar(this.node)) return undefined;
    return this.node.value;
  }

  str(): string {
    const v = this.scalar();
    if (typeof v !== 'string' || v === '') this.expect('a non-empty string');
    return v;
  }
  strOr(d: string): string {
    return this.present ? this.str() : d;
  }

  num(min = -Infinity, max = Infinity): number {
    const v = this.scalar();
    if (typeof v !== 'number' || !Number.isFinite(v)) this.expect('a number');
    if (v < min || v > max) this.expect(`a number in [${min}, ${max}]`);
    return v;
  }
  numOr(d: number, min = -Infinity, max = Infinity): number {
    return this.present ? this.num(min, max) : d;
  }

  int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.scalar();
    if (typeof v !== 'number' || !Number.isInteger(v)) this.expect('an integer');
    if (v < min || v > max) this.expect(`an integer in [${min}, ${max}]`);
    return v;
  }
  intOr(d: number, min?: number, max?: number): number {
    return this.present ? this.int(min, max) : d;
  }

  bool(): boolean {
    const v = this.scalar();
    if (typeof v !== 'boolean') this.expect('true or false');
    return v;
  }
  boolOr(d: boolean): boolean {
    return this.present ? this.bool() : d;
  }

  oneOf<T extends string>(options: readonly T[]): T {
    const v = this.scalar();
    if (typeof v !== 'string' || !options.includes(v as T)) this.expect(`one of ${options.join(' | ')}`);
    return v as T;
  }

  /** A duration like "500ms", "2s", "1m30s" → µs. */
  duration(min: Micros = 0): Micros {
    const v = this.scalar();
    const us = typeof v === 'string' ? parseDuration(v) : v === 0 ? 0 : undefined;
    if (us === undefined) this.expect('a duration like "500ms", "2s" or "1m30s"');
    if (us < min) this.expect(`a duration of at least ${min}us`);
    return us;
  }
  durationOr(d: Micros, min?: Micros): Micros {
    return this.present ? this.duration(min) : d;
  }

  /** A duration that may be negative ("-50ms"), e.g. a clock skew. */
  signedDuration(): Micros {
    const v = this.scalar();
    if (typeof v === 'string' && v.trim().startsWith('-')) {
      const us = parseDuration(v.trim().slice(1));
      if (us === undefined) this.expect('a duration like "-50ms" or "2s"');
      return -us;
    }
    return this.duration();
  }

  /** "0.5ms" | "uniform(a, b)" | "normal(mean, std)" | "lognormal(median, sigma)". */
  latency(): LatencyDist {
    const v = this.scalar();
    const d = typeof v === 'string' ? parseLatency(v) : undefined;
    if (!d) this.expect('a latency: "0.5ms", "uniform(20ms, 40ms)", "normal(mean, std)" or "lognormal(median, sigma)"');
    return d;
  }

  /** "50/s", "6/min" → per second. */
  rate(): number {
    const v = this.scalar();
    const r = typeof v === 'string' ? parseRatePerSec(v) : undefined;
    if (r === undefined) this.expect('a rate like "50/s" or "6/min"');
    return r;
  }

  /** "99.5%" or 0.995. */
  ratio(): number {
    const r = parseRatio(this.scalar());
    if (r === undefined) this.expect('a ratio: "99.5%" or a number in [0, 1]');
    return r;
  }
  ratioOr(d: number): number {
    return this.present ? this.ratio() : d;
  }

  /** A string, or a list of strings. */
  strings(): string[] {
    if (isSeq(this.node)) return this.list().map((v) => v.str());
    return [this.str()];
  }
}
