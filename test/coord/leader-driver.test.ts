/**
 * The leader drivers' timers and retries, against a scripted Replicator (the test decides
 * when a proposal commits, fails or when leadership changes) on a simulated node:
 *  - a retry decided in one leadership stint never proposes in another
 *    (hasim stress/lease-stale-retry.yaml: an old `lease.expire` retry expired leases the
 *    re-elected leader had just given a fresh TTL);
 *  - TTL deadlines are padded for clock drift (stress/lease-drift.yaml: at +500 ppm a 5 s
 *    lease expired ~2.5 ms early in true time).
 */
import { describe, expect, it } from 'vitest';
import { sec, type Micros, type NodeId } from '../../src/core/env.ts';
import type { ProposeResult, RaftRole, ReadResult, Replicator } from '../../src/core/raft/api.ts';
import { CoordStore, type StoreCommand, type StoreResult } from '../../src/core/store/index.ts';
import { CatalogDriver, LeaseDriver, MAX_CLOCK_DRIFT, SESSION_TTL_MULTIPLIER, SessionDriver, padForDrift, type LeaderDriver } from '../../src/core/coord/index.ts';
import { TreeDriver } from '../../src/core/coord/tree/tree-driver.ts';
import { World } from '../../src/sim/index.ts';

interface Pending {
  readonly cmd: StoreCommand;
  readonly done: (r: ProposeResult<StoreResult>) => void;
  readonly atTrueUs: Micros;
}

/** A Raft stand-in: proposals wait in `pending` until the test commits or fails them. */
class ScriptedRaft implements Replicator<StoreCommand, StoreResult> {
  leading = false;
  currentTerm = 1;
  pending: Pending[] = [];
  private index = 0;
  constructor(
    private readonly store: CoordStore,
    private readonly trueNow: () => Micros,
  ) {}
  propose(command: StoreCommand, done: (r: ProposeResult<StoreResult>) => void): void {
    if (!this.leading) return done({ ok: false, error: 'not-leader' });
    this.pending.push({ cmd: command, done, atTrueUs: this.trueNow() });
  }
  /** Applies a command as if committed (a grant, a create...). */
  apply(cmd: StoreCommand): StoreResult {
    return this.store.apply(cmd, { index: ++this.index, term: this.currentTerm });
  }
  /** Every pending proposal's outcome becomes unknown (leadership lost before commit). */
  failPending(): void {
    const ps = this.pending;
    this.pending = [];
    for (const p of ps) p.done({ ok: false, error: 'unknown-outcome' });
  }
  readBarrier(done: (r: ReadResult) => void): void {
    done(this.leading ? { ok: true, index: this.index } : { ok: false, error: 'not-leader' });
  }
  isLeader(): boolean {
    return this.leading;
  }
  leader(): NodeId | undefined {
    return this.leading ? 'n1' : undefined;
  }
  role(): RaftRole {
    return this.leading ? 'leader' : 'follower';
  }
  term(): number {
    return this.currentTerm;
  }
  commitIndex(): number {
    return this.index;
  }
  appliedIndex(): number {
    return this.index;
  }
  onRoleChange(): void {}
}

type Kind = 'lease' | 'session' | 'zk' | 'check';

/** One driver of `kind` on node n1, with one object whose TTL the driver counts down. */
function rig(kind: Kind, opts: { drift?: number } = {}) {
  const w = World.lan(['n1'], 1, { region: 'eu', dc: 'eu-1' });
  let made: { raft: ScriptedRaft; driver: LeaderDriver; store: CoordStore } | undefined;
  w.setup((ctx) => {
    const env = ctx.env('coord');
    const store = new CoordStore();
    const raft = new ScriptedRaft(store, () => w.now());
    const driver =
      kind === 'lease' ? new LeaseDriver(env, raft, store) : kind === 'session' ? new SessionDriver(env, raft, store) : kind === 'zk' ? new TreeDriver(env, raft, store) : new CatalogDriver(env, raft, store);
    made = { raft, driver, store };
    return { start() {} };
  }, ['n1']);
  w.start();
  const { raft, driver, store } = made!;
  if (opts.drift !== undefined) w.inject({ kind: 'clock', node: 'n1', skew: 0, drift: opts.drift });
  raft.leading = true;
  driver.setLeader(true);
  // The object, and the TTL (true time) the driver must wait before proposing its end.
  let ttlUs: Micros;
  let expiryType: StoreCommand['type'];
  if (kind === 'lease') {
    ttlUs = sec(5);
    expiryType = 'lease.expire';
    raft.apply({ type: 'lease.grant', ttlUs, name: 'x' });
  } else if (kind === 'session') {
    raft.apply({ type: 'catalog.register', node: 'c1', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
    ttlUs = sec(10) * SESSION_TTL_MULTIPLIER;
    expiryType = 'session.invalidate';
    raft.apply({ type: 'session.create', input: { node: 'c1', ttlUs: sec(10) } });
  } else if (kind === 'zk') {
    ttlUs = sec(6);
    expiryType = 'zk.session.expire';
    raft.apply({ type: 'zk.session.create', timeoutUs: ttlUs });
  } else {
    ttlUs = sec(10);
    expiryType = 'check.update';
    raft.apply({ type: 'catalog.register', node: 'c1', checks: [{ checkId: 'ttl-check', status: 'passing', definition: { ttlUs } }] });
  }
  const armedAt = w.now();
  const expiries = () => raft.pending.filter((p) => p.cmd.type === expiryType);
  return { w, raft, driver, store, ttlUs, armedAt, expiries };
}

const KINDS: Kind[] = ['lease', 'session', 'zk', 'check'];

describe('leader drivers: a retry belongs to the leadership stint that decided it', () => {
  for (const kind of KINDS) {
    it(`${kind}: a retry from a previous stint does not fire after re-election (deadline re-armed by promote)`, () => {
      const { w, raft, driver, ttlUs, expiries } = rig(kind);
      w.runFor(padForDrift(ttlUs) + sec(0.01));
      expect(expiries()).toHaveLength(1);
      // Stepped down before the proposal committed: its outcome is unknown, a retry is scheduled.
      raft.failPending();
      raft.leading = false;
      raft.currentTerm = 2;
      driver.setLeader(false);
      // Re-elected half a second later: promote gives everything a fresh TTL.
      w.runFor(sec(0.5));
      raft.leading = true;
      raft.currentTerm = 3;
      driver.setLeader(true);
      const promotedAt = w.now();
      // The old retry (1 s after the failure) must not propose.
      w.runFor(sec(2));
      expect(expiries()).toHaveLength(0);
      // The new stint still expires on its own schedule, not before the fresh TTL.
      w.runFor(padForDrift(ttlUs) + sec(5));
      const again = expiries();
      expect(again.length).toBeGreaterThanOrEqual(1);
      expect(again[0]!.atTrueUs - promotedAt).toBeGreaterThanOrEqual(ttlUs);
    });
  }

  it('a retry is dropped when the Raft term moved on, even before the role change is reported', () => {
    const { w, raft, ttlUs, expiries } = rig('lease');
    w.runFor(padForDrift(ttlUs) + sec(0.01));
    expect(expiries()).toHaveLength(1);
    raft.failPending();
    raft.currentTerm = 5; // lost and regained leadership; the driver was not told (yet)
    w.runFor(sec(3));
    expect(expiries()).toHaveLength(0);
  });

  it('within one stint a retry still happens (bounded) while the decision stands', () => {
    const { w, raft, ttlUs, expiries } = rig('lease');
    w.runFor(padForDrift(ttlUs) + sec(0.01));
    raft.failPending();
    w.runFor(sec(1.5));
    expect(expiries()).toHaveLength(1);
  });
});

describe('leader drivers: TTL deadlines are padded for clock drift', () => {
  for (const kind of KINDS) {
    it(`${kind}: a leader clock running fast by MAX_CLOCK_DRIFT never ends the TTL early in true time`, () => {
      const { w, ttlUs, armedAt, expiries } = rig(kind, { drift: MAX_CLOCK_DRIFT });
      w.runFor(ttlUs + sec(1));
      const e = expiries();
      expect(e).toHaveLength(1);
      expect(e[0]!.atTrueUs - armedAt).toBeGreaterThanOrEqual(ttlUs);
      // ... and the padding is small: within TTL x 2 x drift of the TTL.
      expect(e[0]!.atTrueUs - armedAt).toBeLessThanOrEqual(ttlUs + Math.ceil(2 * ttlUs * MAX_CLOCK_DRIFT) + 1);
    });
  }

  it('padForDrift rounds up to whole microseconds', () => {
    expect(padForDrift(sec(5))).toBe(sec(5) + Math.ceil(sec(5) * MAX_CLOCK_DRIFT));
    expect(padForDrift(1, 1e-3)).toBe(2);
    expect(padForDrift(0)).toBe(0);
  });
});
