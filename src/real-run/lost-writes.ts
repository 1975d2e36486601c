/**
 * Lost acknowledged writes: after the faults, every key is read back from a healed cluster
 * (kv-workload.ts readBack); the value found must be one a correct store could end with.
 *
 * Per key, over the workload's operations (src/sim/history.ts), a mutation is a write (its
 * value), a cas (its new value) or a delete (absent). An acknowledged (ok) mutation W is
 * superseded when another acknowledged mutation was invoked after W completed (real-time
 * order puts it later). The final value may be:
 *   - the value of an acknowledged mutation that is not superseded (the "frontier"), or
 *   - the value of an indeterminate (info) mutation: it may take effect at any time, or
 *   - absent, when no mutation of the key was acknowledged.
 * Anything else, or a key that could not be read at all, means the frontier's acknowledged
 * writes are gone: each is counted as lost. (Failed mutations changed nothing: a value only a
 * failed write carried is lost data of another kind, a write applied after saying it failed,
 * and is reported too.) The linearizability checker, run over the same history with the final
 * reads in it, judges the rest of the story.
 */
import type { Operation } from '../sim/history.ts';

export interface LostKey {
  readonly key: string;
  /** The value read back (null: absent; undefined: could not be read). */
  readonly found: string | null | undefined;
  /** What it could have been. */
  readonly allowed: readonly (string | null)[];
  /** Acknowledged mutations whose effect is gone (the frontier). */
  readonly lost: number;
}

export interface LostWritesResult {
  readonly keys: number;
  /** Acknowledged mutations (write / cas / delete answered ok). */
  readonly acknowledged: number;
  /** Acknowledged mutations whose value is gone at the end. */
  readonly lost: number;
  readonly lostKeys: readonly LostKey[];
  /** Keys that could not be read back (counted in lostKeys too). */
  readonly unread: readonly string[];
}

const MUTATIONS = new Set(['write', 'cas', 'delete']);

function valueOf(op: Operation): string | null {
  if (op.f === 'delete') return null;
  if (op.f === 'cas') return (op.input as [unknown, string])[1];
  return op.input as string;
}

export function findLostWrites(ops: readonly Operation[], finals: ReadonlyMap<string, string | null | undefined>): LostWritesResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (!MUTATIONS.has(op.f)) continue;
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  let acknowledged = 0;
  let lost = 0;
  const lostKeys: LostKey[] = [];
  const unread: string[] = [];
  for (const [key, found] of finals) {
    const muts = byKey.get(key) ?? [];
    const acked = muts.filter((o) => o.status === 'ok');
    acknowledged += acked.length;
    // W is superseded iff some acknowledged mutation was invoked after W completed (W's own
    // invoke precedes its completion, so the latest invoke of all of them decides).
    const latestInvoke = acked.reduce((m, o) => Math.max(m, o.invokeTime), -Infinity);
    const frontier = acked.filter((w) => w.completeTime >= latestInvoke);
    const allowed = new Set<string | null>([...frontier.map(valueOf), ...muts.filter((o) => o.status === 'info').map(valueOf)]);
    if (acked.length === 0) allowed.add(null);
    if (found === undefined) unread.push(key);
    if (found !== undefined && allowed.has(found)) continue;
    lost += frontier.length;
    lostKeys.push({ key, found, allowed: [...allowed], lost: frontier.length });
  }
  return { keys: finals.size, acknowledged, lost, lostKeys, unread };
}

/** One line: the counts and the first few lost keys. */
export function describeLostWrites(r: LostWritesResult): string {
  const head = `${r.lost} of ${r.acknowledged} acknowledged writes lost (${r.keys} keys read back after the heal${r.unread.length ? `, ${r.unread.length} could not be read: ${r.unread.slice(0, 5).join(', ')}` : ''})`;
  const shown = r.lostKeys.slice(0, 5).map((k) => `${k.key}: found ${k.found === undefined ? 'nothing (unreadable)' : JSON.stringify(k.found)}, expected one of ${JSON.stringify(k.allowed.slice(0, 4))}${k.allowed.length > 4 ? '...' : ''}`);
  return [head, ...shown].join(' | ');
}
