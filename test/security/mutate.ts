/**
 * Mutations of a captured message for fuzzing: one field somewhere in it (at any depth)
 * deleted, replaced by an arbitrary value, or given the wrong type; or the type tag changed.
 * Deterministic in `seed`.
 */
import type { Message, NodeId } from '../../src/core/env.ts';

export interface Captured {
  readonly to: NodeId;
  readonly from: NodeId;
  readonly svc: string;
  readonly msg: Message;
}

type Slot = { holder: Record<string, unknown> | unknown[]; key: string | number };

function slots(v: unknown, out: Slot[], depth: number): void {
  if (depth > 6 || out.length > 500 || typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push({ holder: v, key: i });
      slots(x, out, depth + 1);
    });
    return;
  }
  for (const k of Object.keys(v)) {
    out.push({ holder: v as Record<string, unknown>, key: k });
    slots((v as Record<string, unknown>)[k], out, depth + 1);
  }
}

const WRONG: readonly unknown[] = [null, undefined, -1, 1.5, NaN, Infinity, '', 'x', true, [], {}, [null], { type: 1 }, 2 ** 60];

export function mutateMessage(msg: Message, seed: number, garbage: unknown): unknown {
  const copy = structuredClone(msg) as unknown as Record<string, unknown>;
  const all: Slot[] = [];
  slots(copy, all, 0);
  let r = seed >>> 0;
  const next = (n: number) => {
    r = (Math.imul(r, 1_103_515_245) + 12_345) >>> 0;
    return r % Math.max(1, n);
  };
  const mode = next(5);
  if (mode === 0 || all.length === 0) {
    copy.type = next(2) === 0 ? `${String(copy.type)}x` : garbage;
    return copy;
  }
  const s = all[next(all.length)]!;
  const set = (v: unknown) => ((s.holder as Record<string | number, unknown>)[s.key] = v);
  if (mode === 1) {
    if (Array.isArray(s.holder)) s.holder.splice(s.key as number, 1);
    else delete s.holder[s.key as string];
  } else if (mode === 2) set(garbage);
  else set(WRONG[next(WRONG.length)]);
  return copy;
}
