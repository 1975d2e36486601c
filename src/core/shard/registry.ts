/**
 * The coordination the shard servers need: ephemeral-sequential registration and a one-shot
 * watch on a directory's children (the ZooKeeper recipe the seed used). Our tree
 * (src/core/coord) provides these over Raft; an adapter implements this interface on it.
 * Callbacks run from within Env events of the calling node.
 */
export interface RegistryEntry {
  /** e.g. "server-0000000007" */
  readonly name: string;
  readonly data: string;
}

export type RegisterResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };
export type ListResult = { readonly ok: true; readonly children: readonly RegistryEntry[] } | { readonly ok: false; readonly error: string };

export interface Registry {
  /** Creates an ephemeral-sequential child `dir/prefix<seq>`; it vanishes when this node's session ends. */
  register(dir: string, prefix: string, data: string, done: (r: RegisterResult) => void): void;
  /** Lists `dir`'s children; `changed` fires once on the next change of the list. */
  list(dir: string, changed: () => void, done: (r: ListResult) => void): void;
}

/** The sequence number ZooKeeper appends to a sequential node's name (10 digits). */
export function sequenceOf(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** The master is the registered server with the lowest sequence number. */
export function lowestEntry(children: readonly RegistryEntry[]): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const c of children) {
    const s = sequenceOf(c.name);
    if (Number.isNaN(s)) continue;
    if (!best || s < sequenceOf(best.name)) best = c;
  }
  return best;
}
