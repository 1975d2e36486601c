/**
 * ZooKeeper's promises to its clients ("ZooKeeper Programmer's Guide: Consistency
 * Guarantees"; Hunt et al., "ZooKeeper: wait-free coordination", USENIX ATC 2010, §2.3),
 * checked over a simulated run from what clients observed, stamped with TRUE virtual time:
 *
 *  1. linearizable writes — a write that completed before another was invoked has the smaller
 *     zxid (writes are totally ordered, consistently with real time);
 *  2. FIFO client order — a session's operations complete in the order it issued them, and
 *     its successful writes take increasing zxids in that order;
 *  3. a session never goes back in time — the zxids servers stamp on what a session receives
 *     (connect, replies, pongs, events) never decrease, across reconnects to other servers;
 *  4. a watch event before the data — a read that shows a change to a node on which the
 *     session holds a data watch comes after the watch's event;
 *  5. ephemerals live exactly as long as their session — a read at zxid z sees a session's
 *     ephemeral (that no one deleted) iff the session was not yet removed at z.
 *
 * Zxids are Raft indexes; a read's zxid is the serving replica's applied index when it
 * answered (the state the read saw).
 */
import type { Micros } from '../../core/env.ts';

export interface ZkWrite {
  readonly client: string;
  readonly invokeUs: Micros;
  readonly completeUs: Micros;
  readonly zxid: number;
  readonly what: string;
}

export interface ZkVerdict {
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly stats: { readonly writes: number; readonly reads: number; readonly zxidsSeen: number; readonly watchChecks: number; readonly ephemeralChecks: number };
}

/** Bound on violations kept (the first ones tell the story). */
const MAX_VIOLATIONS = 20;

export class ZkGuaranteeChecker {
  private readonly writes: ZkWrite[] = [];
  private readonly lastZxid = new Map<string, number>();
  private readonly issued = new Map<string, number[]>();
  private readonly lastWriteZxid = new Map<string, number>();
  /** session → index of the entry that removed it (closed or expired). */
  private readonly removedAt = new Map<string, number>();
  /** Ephemeral path → owner session and creating zxid, while no one deleted it. */
  private readonly ephemerals = new Map<string, { owner: string; czxid: number }>();
  /** client → path → the data watch's registration (the node's mzxid when it was set). */
  private readonly dataWatches = new Map<string, Map<string, number>>();
  private readonly violations: string[] = [];
  private reads = 0;
  private zxidsSeen = 0;
  private watchChecks = 0;
  private ephemeralChecks = 0;

  private violate(msg: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(msg);
  }

  /** A zxid a server stamped on something the client received (rule 3). */
  serverZxid(client: string, zxid: number, what: string, t: Micros): void {
    this.zxidsSeen++;
    const prev = this.lastZxid.get(client) ?? 0;
    if (zxid < prev) this.violate(`${client} went back in time at ${t} µs: ${what} at zxid ${zxid} after zxid ${prev}`);
    else this.lastZxid.set(client, zxid);
  }

  /** The client issued operation number `seq` (its own counter, increasing). */
  issue(client: string, seq: number): void {
    let q = this.issued.get(client);
    if (!q) this.issued.set(client, (q = []));
    q.push(seq);
  }

  /** Operation `seq` completed (any outcome): FIFO order (rule 2). */
  complete(client: string, seq: number, t: Micros): void {
    const q = this.issued.get(client);
    const head = q?.shift();
    if (head !== seq) this.violate(`${client}: operation ${seq} completed at ${t} µs before operation ${head} issued earlier`);
  }

  /** A successful write that reported its zxid (create: czxid, setData: mzxid). */
  write(w: ZkWrite): void {
    this.writes.push(w);
    const prev = this.lastWriteZxid.get(w.client) ?? 0;
    if (w.zxid <= prev) this.violate(`${w.client}: ${w.what} took zxid ${w.zxid}, not after its earlier write at zxid ${prev}`);
    this.lastWriteZxid.set(w.client, Math.max(prev, w.zxid));
  }

  sessionRemoved(session: string, index: number): void {
    if (!this.removedAt.has(session)) this.removedAt.set(session, index);
  }

  ephemeralCreated(path: string, owner: string, czxid: number): void {
    this.ephemerals.set(path, { owner, czxid });
  }

  /** Someone deleted the node (or may have: an unknown outcome), so its absence says nothing. */
  forget(path: string): void {
    this.ephemerals.delete(path);
  }

  /** A read of `path` at `zxid` found it (`present`) or not (rule 5), and the data watch rules (rule 4). */
  read(client: string, path: string, zxid: number, present: boolean, mzxid: number | undefined, t: Micros): void {
    this.reads++;
    const eph = this.ephemerals.get(path);
    if (eph !== undefined && zxid >= eph.czxid) {
      const owner = eph.owner;
      this.ephemeralChecks++;
      const removed = this.removedAt.get(owner);
      const alive = removed === undefined || removed > zxid;
      if (present !== alive) {
        this.violate(`${client} read ${path} at zxid ${zxid} (${t} µs): ${present ? 'present' : 'missing'}, but its owner ${owner} was ${removed === undefined ? 'never removed' : `removed at zxid ${removed}`}`);
      }
    }
    const armed = this.dataWatches.get(client)?.get(path);
    if (armed !== undefined) this.watchChecks++;
    if (armed !== undefined && (!present || mzxid !== armed)) {
      this.violate(`${client} read a change to ${path} at zxid ${zxid} (${t} µs) before its data watch fired`);
    }
  }

  /** The client set a data watch on `path` whose node had `mzxid` (undefined: the read failed). */
  watchSet(client: string, path: string, mzxid: number): void {
    let m = this.dataWatches.get(client);
    if (!m) this.dataWatches.set(client, (m = new Map()));
    m.set(path, mzxid);
  }

  /** A watch event for `path` reached the client, or its watches are gone (session expired). */
  watchFired(client: string, path?: string): void {
    if (path === undefined) this.dataWatches.delete(client);
    else this.dataWatches.get(client)?.delete(path);
  }

  verdict(): ZkVerdict {
    // Rule 1: every write's zxid exceeds that of every write completed before its invocation.
    const byComplete = [...this.writes].sort((a, b) => a.completeUs - b.completeUs);
    const byInvoke = [...this.writes].sort((a, b) => a.invokeUs - b.invokeUs);
    let i = 0;
    let maxBefore: ZkWrite | undefined;
    for (const w of byInvoke) {
      while (i < byComplete.length && byComplete[i]!.completeUs < w.invokeUs) {
        if (!maxBefore || byComplete[i]!.zxid > maxBefore.zxid) maxBefore = byComplete[i];
        i++;
      }
      if (maxBefore && w.zxid <= maxBefore.zxid) {
        this.violate(`${w.client}: ${w.what} invoked at ${w.invokeUs} µs took zxid ${w.zxid}, yet ${maxBefore.client}'s ${maxBefore.what} had completed at ${maxBefore.completeUs} µs with zxid ${maxBefore.zxid}`);
      }
    }
    return {
      ok: this.violations.length === 0,
      violations: [...this.violations],
      stats: { writes: this.writes.length, reads: this.reads, zxidsSeen: this.zxidsSeen, watchChecks: this.watchChecks, ephemeralChecks: this.ephemeralChecks },
    };
  }
}
