/**
 * The replicated ZooKeeper-style tree: znodes with stats, ephemerals owned by sessions,
 * sequential and container nodes, multi() with all-or-nothing semantics. Pure state-machine
 * code: zxid is the Raft index of the entry, times are the leader-stamped replicated clock.
 *
 * Every mutation returns TreeEvents; the per-node TreeServer turns them into watch
 * notifications for its own client sessions.
 */
import { assert, type Micros } from '../../env.ts';
import { MAX_MULTI_OPS, MAX_ZNODES, ZK_MAX_DATA_BYTES, ZK_SESSION_TIMEOUT_MAX_US, ZK_SESSION_TIMEOUT_MIN_US } from '../config.ts';
import { zkSessionIdFromIndex } from '../ids.ts';
import { isValidPath, joinPath, nameOf, parentOf, sequentialSuffix } from './paths.ts';
import type { CreateMode, MultiResult, Stat, TreeEvent, TreeOp, TreeOpResult, TreeResult, ZkError } from './types.ts';

interface Znode {
  data: string;
  stat: Stat;
  mode: CreateMode;
  children: Set<string>;
}

export interface ZkSessionRecord {
  readonly id: string;
  readonly timeoutUs: Micros;
  readonly createIndex: number;
}

export interface TreeSnapshot {
  readonly nodes: readonly { readonly path: string; readonly data: string; readonly stat: Stat; readonly mode: CreateMode }[];
  readonly sessions: readonly ZkSessionRecord[];
}

type Undo = { readonly path: string; readonly prev: Znode | undefined };

const ROOT_STAT: Stat = {
  czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
  ephemeralOwner: '0', dataLength: 0, numChildren: 0, pzxid: 0,
};

export function clampSessionTimeout(timeoutUs: Micros): Micros {
  return Math.min(ZK_SESSION_TIMEOUT_MAX_US, Math.max(ZK_SESSION_TIMEOUT_MIN_US, Math.round(timeoutUs)));
}

export class ZkTree {
  /** The znode bound (MAX_ZNODES; smaller in tests), checked before proposing (TreeServer) and at apply. */
  readonly maxNodes: number = MAX_ZNODES;
  private readonly nodes = new Map<string, Znode>();
  private readonly sessions = new Map<string, ZkSessionRecord>();
  /** session id → paths of its ephemerals. Derived from stats; rebuilt on restore. */
  private readonly ephemerals = new Map<string, Set<string>>();
  /** Undo log of the multi() in progress; undefined outside one. */
  private undo: Undo[] | undefined;

  constructor() {
    this.nodes.set('/', { data: '', stat: ROOT_STAT, mode: 'persistent', children: new Set() });
  }

  // ---- sessions ----

  createSession(index: number, timeoutUs: Micros): ZkSessionRecord {
    const rec: ZkSessionRecord = { id: zkSessionIdFromIndex(index), timeoutUs: clampSessionTimeout(timeoutUs), createIndex: index };
    assert(!this.sessions.has(rec.id), () => `zk session ${rec.id} created twice`);
    this.sessions.set(rec.id, rec);
    this.ephemerals.set(rec.id, new Set());
    return rec;
  }

  hasSession(id: string): boolean {
    return this.sessions.has(id);
  }

  getSession(id: string): ZkSessionRecord | undefined {
    return this.sessions.get(id);
  }

  listSessions(): ZkSessionRecord[] {
    return [...this.sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  ephemeralsOf(id: string): string[] {
    return [...(this.ephemerals.get(id) ?? [])].sort();
  }

  /** Closes or expires a session: its ephemerals are deleted (deepest paths first is not
   * needed: ephemerals cannot have children). */
  closeSession(id: string, zxid: number, nowUs: Micros): TreeEvent[] {
    if (!this.sessions.has(id)) return [];
    const events: TreeEvent[] = [];
    for (const path of this.ephemeralsOf(id)) {
      const r = this.deleteNode(path, -1, zxid, events);
      assert(r === undefined, () => `ephemeral ${path} of ${id} could not be deleted: ${r}`);
    }
    this.sessions.delete(id);
    this.ephemerals.delete(id);
    void nowUs;
    return events;
  }

  // ---- reads ----

  exists(path: string): Stat | undefined {
    return this.nodes.get(path)?.stat;
  }

  getData(path: string): { data: string; stat: Stat } | undefined {
    const n = this.nodes.get(path);
    return n ? { data: n.data, stat: n.stat } : undefined;
  }

  /** Child names, sorted (ZooKeeper does not promise an order; sorted keeps runs deterministic). */
  getChildren(path: string): string[] | undefined {
    const n = this.nodes.get(path);
    return n ? [...n.children].sort() : undefined;
  }

  size(): number {
    return this.nodes.size;
  }

  /** Containers that had children and have none left: the ContainerManager deletes these. */
  emptyContainers(): string[] {
    const out: string[] = [];
    for (const [path, n] of this.nodes) if (n.mode === 'container' && n.stat.cversion > 0 && n.children.size === 0) out.push(path);
    return out.sort();
  }

  // ---- writes ----

  apply(op: TreeOp, session: string, zxid: number, nowUs: Micros): { result: TreeResult<TreeOpResult>; events: TreeEvent[] } {
    const events: TreeEvent[] = [];
    if (!this.sessions.has(session)) return { result: { ok: false, error: 'SessionExpired' }, events };
    const r = this.applyOne(op, session, zxid, nowUs, events);
    return { result: typeof r === 'string' ? { ok: false, error: r } : { ok: true, value: r }, events };
  }

  /** All-or-nothing: on the first failure every earlier op is rolled back, no event escapes. */
  multi(ops: readonly TreeOp[], session: string, zxid: number, nowUs: Micros): { result: MultiResult; events: TreeEvent[] } {
    if (!this.sessions.has(session)) {
      return { result: { ok: false, failedAt: 0, error: 'SessionExpired', errors: ops.map((_, i) => (i === 0 ? 'SessionExpired' : 'RuntimeInconsistency')) }, events: [] };
    }
    if (ops.length > MAX_MULTI_OPS) {
      return { result: { ok: false, failedAt: 0, error: 'BadArguments', errors: ops.map((_, i) => (i === 0 ? 'BadArguments' : 'RuntimeInconsistency')) }, events: [] };
    }
    assert(this.undo === undefined, 'nested multi');
    const before = this.nodes.size;
    this.undo = [];
    const events: TreeEvent[] = [];
    const results: TreeOpResult[] = [];
    try {
      for (let i = 0; i < ops.length; i++) {
        const r = this.applyOne(ops[i]!, session, zxid, nowUs, events);
        if (typeof r === 'string') {
          this.rollback();
          assert(this.nodes.size === before, 'multi rollback did not restore the tree size');
          const errors = ops.map((_, j): ZkError | 'Ok' => (j < i ? 'Ok' : j === i ? r : 'RuntimeInconsistency'));
          return { result: { ok: false, failedAt: i, error: r, errors }, events: [] };
        }
        results.push(r);
      }
    } finally {
      this.undo = undefined;
    }
    return { result: { ok: true, results }, events };
  }

  /** Deletes an empty container that had children (the leader's ContainerManager proposes it). */
  reapContainer(path: string, zxid: number): TreeEvent[] {
    const n = this.nodes.get(path);
    if (!n || n.mode !== 'container' || n.children.size !== 0 || n.stat.cversion === 0) return [];
    const events: TreeEvent[] = [];
    const r = this.deleteNode(path, -1, zxid, events);
    assert(r === undefined, () => `container ${path} could not be reaped: ${r}`);
    return events;
  }

  private rollback(): void {
    const undo = this.undo!;
    for (let i = undo.length - 1; i >= 0; i--) {
      const { path, prev } = undo[i]!;
      const cur = this.nodes.get(path);
      if (cur && cur.stat.ephemeralOwner !== '0') this.ephemerals.get(cur.stat.ephemeralOwner)?.delete(path);
      if (prev === undefined) this.nodes.delete(path);
      else {
        this.nodes.set(path, prev);
        if (prev.stat.ephemeralOwner !== '0') this.ephemerals.get(prev.stat.ephemeralOwner)?.add(path);
      }
    }
  }

  /** Records the node's current state before a change, when inside a multi. */
  private touch(path: string): void {
    if (!this.undo) return;
    const cur = this.nodes.get(path);
    this.undo.push({ path, prev: cur ? { ...cur, children: new Set(cur.children) } : undefined });
  }

  private applyOne(op: TreeOp, session: string, zxid: number, nowUs: Micros, events: TreeEvent[]): TreeOpResult | ZkError {
    // A sequential create is checked with its suffix, as ZooKeeper does: "/q/" names "/q/0000000000".
    const sequential = op.op === 'create' && (op.mode === 'persistent_sequential' || op.mode === 'ephemeral_sequential');
    if (!isValidPath(sequential ? `${op.path}0` : op.path)) return 'BadArguments';
    switch (op.op) {
      case 'create':
        return this.create(op.path, op.data, op.mode, session, zxid, nowUs, events);
      case 'delete': {
        if (op.path === '/') return 'BadArguments';
        const r = this.deleteNode(op.path, op.version, zxid, events);
        return r ?? { op: 'delete' };
      }
      case 'setData': {
        const n = this.nodes.get(op.path);
        if (!n) return 'NoNode';
        if (op.version !== -1 && op.version !== n.stat.version) return 'BadVersion';
        if (op.data.length > ZK_MAX_DATA_BYTES) return 'BadArguments';
        this.touch(op.path);
        n.data = op.data;
        n.stat = { ...n.stat, version: n.stat.version + 1, mzxid: zxid, mtime: nowUs, dataLength: op.data.length };
        events.push({ type: 'NodeDataChanged', path: op.path, zxid });
        return { op: 'setData', stat: n.stat };
      }
      case 'check': {
        const n = this.nodes.get(op.path);
        if (!n) return 'NoNode';
        if (op.version !== -1 && op.version !== n.stat.version) return 'BadVersion';
        return { op: 'check' };
      }
    }
  }

  private create(path: string, data: string, mode: CreateMode, session: string, zxid: number, nowUs: Micros, events: TreeEvent[]): TreeOpResult | ZkError {
    if (path === '/') return 'NodeExists';
    if (data.length > ZK_MAX_DATA_BYTES) return 'BadArguments';
    if (this.nodes.size >= this.maxNodes) return 'BadArguments';
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (!parent) return 'NoNode';
    if (parent.stat.ephemeralOwner !== '0') return 'NoChildrenForEphemerals';
    const sequential = mode === 'persistent_sequential' || mode === 'ephemeral_sequential';
    // ZooKeeper names a sequential child after the number of children ever created under the
    // parent: its persisted cversion counts creates only, and the cversion clients see is
    // creates + deletes (DataNode.copyStat reports cversion * 2 - numChildren). Ours counts
    // both, so the creates are (cversion + numChildren) / 2 (checked against ZooKeeper 3.8 by
    // test/hanode/zk-compare.test.ts: 3 creates, 1 delete, the next suffix is 3).
    const created = (parent.stat.cversion + parent.stat.numChildren) / 2;
    assert(Number.isInteger(created), () => `${parentPath}: cversion ${parent.stat.cversion} and ${parent.stat.numChildren} children disagree`);
    const actual = sequential ? joinPath(parentPath, nameOf(path) + sequentialSuffix(created)) : path;
    if (this.nodes.has(actual)) return 'NodeExists';
    const ephemeral = mode === 'ephemeral' || mode === 'ephemeral_sequential';
    const stat: Stat = {
      czxid: zxid, mzxid: zxid, ctime: nowUs, mtime: nowUs, version: 0, cversion: 0, aversion: 0,
      ephemeralOwner: ephemeral ? session : '0', dataLength: data.length, numChildren: 0, pzxid: zxid,
    };
    this.touch(parentPath);
    this.touch(actual);
    this.nodes.set(actual, { data, stat, mode, children: new Set() });
    parent.children.add(nameOf(actual));
    parent.stat = { ...parent.stat, cversion: parent.stat.cversion + 1, pzxid: zxid, numChildren: parent.children.size };
    if (ephemeral) this.ephemerals.get(session)!.add(actual);
    events.push({ type: 'NodeCreated', path: actual, zxid }, { type: 'NodeChildrenChanged', path: parentPath, zxid });
    return { op: 'create', path: actual, stat };
  }

  private deleteNode(path: string, version: number, zxid: number, events: TreeEvent[]): ZkError | undefined {
    const n = this.nodes.get(path);
    if (!n) return 'NoNode';
    if (version !== -1 && version !== n.stat.version) return 'BadVersion';
    if (n.children.size > 0) return 'NotEmpty';
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    assert(parent !== undefined && parent.children.has(nameOf(path)), () => `${path} has no parent entry`);
    this.touch(parentPath);
    this.touch(path);
    this.nodes.delete(path);
    if (n.stat.ephemeralOwner !== '0') this.ephemerals.get(n.stat.ephemeralOwner)?.delete(path);
    parent.children.delete(nameOf(path));
    parent.stat = { ...parent.stat, cversion: parent.stat.cversion + 1, pzxid: zxid, numChildren: parent.children.size };
    events.push({ type: 'NodeDeleted', path, zxid }, { type: 'NodeChildrenChanged', path: parentPath, zxid });
    return undefined;
  }

  // ---- snapshot ----

  snapshot(): TreeSnapshot {
    const nodes = [...this.nodes.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([path, n]) => ({ path, data: n.data, stat: { ...n.stat }, mode: n.mode }));
    return { nodes, sessions: this.listSessions().map((s) => ({ ...s })) };
  }

  restore(snap: TreeSnapshot): void {
    this.nodes.clear();
    this.sessions.clear();
    this.ephemerals.clear();
    for (const s of snap.sessions) {
      this.sessions.set(s.id, { ...s });
      this.ephemerals.set(s.id, new Set());
    }
    for (const n of snap.nodes) this.nodes.set(n.path, { data: n.data, stat: { ...n.stat }, mode: n.mode, children: new Set() });
    assert(this.nodes.has('/'), 'tree snapshot without a root');
    for (const path of this.nodes.keys()) {
      if (path === '/') continue;
      const parent = this.nodes.get(parentOf(path));
      assert(parent !== undefined, () => `snapshot node ${path} without parent`);
      parent.children.add(nameOf(path));
      const owner = this.nodes.get(path)!.stat.ephemeralOwner;
      if (owner !== '0') {
        assert(this.ephemerals.has(owner), () => `ephemeral ${path} owned by unknown session ${owner}`);
        this.ephemerals.get(owner)!.add(path);
      }
    }
    for (const [path, n] of this.nodes) assert(n.stat.numChildren === n.children.size, () => `${path}: numChildren mismatch`);
  }
}
