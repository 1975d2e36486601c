/**
 * In a YAML flow map a comma ends the value, so `{ between: [a, b], dist: lognormal(60ms, 0.2) }`
 * parses as `dist: "lognormal(60ms"` plus a stray key `0.2)`. The docs write latencies that way,
 * so the split is undone here: a string value with an unclosed `(` takes the following
 * value-less keys until its parentheses balance (in flow lists: the following items).
 */
import { isMap, isPair, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';

function depth(s: string): number {
  let d = 0;
  for (const ch of s) d += ch === '(' ? 1 : ch === ')' ? -1 : 0;
  return d;
}

function openString(n: unknown): n is { value: string; range?: [number, number, number] } {
  return isScalar(n) && typeof n.value === 'string' && depth(n.value) > 0;
}

/** Rewrites the document tree in place (only flow collections; block ones cannot split). */
export function repairFlowParens(node: unknown): void {
  if (isMap(node)) {
    const items = node.items as Pair<unknown, unknown>[];
    for (let i = 0; i < items.length; i++) {
      const p = items[i]!;
      repairFlowParens(p.value);
      if (!node.flow || !openString(p.value)) continue;
      const v = p.value;
      while (depth(v.value) > 0 && i + 1 < items.length) {
        const next = items[i + 1]!;
        if (!isPair(next) || !isScalar(next.key) || (next.value !== null && !(isScalar(next.value) && next.value.value === null))) break;
        v.value = `${v.value}, ${String(next.key.value)}`;
        if (v.range && (next.key as YamlNode).range) v.range = [v.range[0], (next.key as YamlNode).range![1], (next.key as YamlNode).range![2]];
        items.splice(i + 1, 1);
      }
    }
  } else if (isSeq(node)) {
    const items = node.items as unknown[];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      repairFlowParens(it);
      if (!node.flow || !openString(it)) continue;
      while (depth(it.value) > 0 && i + 1 < items.length && isScalar(items[i + 1])) {
        it.value = `${it.value}, ${String((items[i + 1] as { value: unknown }).value)}`;
        items.splice(i + 1, 1);
      }
    }
  }
}
