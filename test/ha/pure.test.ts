import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sec } from '../../src/core/env.ts';
import {
  GossipDb, QuorumDecider, HaStateMachine, quorumSize, detectionBoundUs, haConfig,
  type CheckResult, type HaCommand, type Health,
} from '../../src/core/ha/index.ts';

const res = (target: string, observer: string, status: Health, seq: number, boot = 1): CheckResult =>
  ({ target, observer, status, boot, seq, checkedAtUs: 0 });

describe('gossip DB', () => {
  it('keeps the newest (boot, seq) per (target, observer)', () => {
    const db = new GossipDb(100);
    expect(db.merge(res('t', 'a', 'up', 5), 10)).toBe('new');
    expect(db.merge(res('t', 'a', 'down', 4), 20)).toBe('stale');
    expect(db.get('t', 'a')!.result.status).toBe('up');
    expect(db.merge(res('t', 'a', 'up', 5), 30)).toBe('refreshed');
    expect(db.get('t', 'a')!.receivedAtUs).toBe(30);
    // a restart (boot 2) outranks any seq of boot 1
    expect(db.merge(res('t', 'a', 'down', 1, 2), 40)).toBe('new');
    expect(db.get('t', 'a')!.result.status).toBe('down');
  });

  it('merge is order-independent (commutative on versions)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ o: fc.constantFrom('a', 'b', 'c'), boot: fc.integer({ min: 1, max: 3 }), seq: fc.integer({ min: 1, max: 50 }) }), { maxLength: 40 }),
      fc.integer(),
      (xs, shuffleSeed) => {
        // one status per version, as an observer never reuses one
        const rs = xs.map((x) => res('t', x.o, (x.boot * 100 + x.seq) % 2 ? 'up' : 'down', x.seq, x.boot));
        const a = new GossipDb(100);
        const b = new GossipDb(100);
        rs.forEach((r) => a.merge(r, 0));
        const shuffled = [...rs].sort((p, q) => ((p.seq * 7919 + shuffleSeed) % 13) - ((q.seq * 7919 + shuffleSeed) % 13));
        shuffled.forEach((r) => b.merge(r, 0));
        expect(a.dump().map((s) => s.result)).toEqual(b.dump().map((s) => s.result));
      },
    ), { numRuns: 200 });
  });

  it('scavenger drops deleted targets and departed observers', () => {
    const db = new GossipDb(100);
    db.merge(res('t1', 'a', 'up', 1), 0);
    db.merge(res('t1', 'b', 'up', 1), 0);
    db.merge(res('t2', 'a', 'up', 1), 0);
    const dropped = db.scavenge((k) => k === 't1', (o) => o === 'a');
    expect(dropped).toBe(2);
    expect(db.targets()).toEqual(['t1']);
    expect(db.results('t1').map((s) => s.result.observer)).toEqual(['a']);
  });

  it('is bounded', () => {
    const db = new GossipDb(2);
    db.merge(res('t', 'a', 'up', 1), 0);
    db.merge(res('t', 'b', 'up', 1), 0);
    expect(db.merge(res('t', 'c', 'up', 1), 0)).toBe('stale');
    expect(db.size()).toBe(2);
  });
});

describe('quorum decider', () => {
  const known = new Set(['a', 'b', 'c', 'd', 'e']);
  const fill = (db: GossipDb, statuses: Record<string, Health>, seq: number, at: number) => {
    for (const [o, s] of Object.entries(statuses)) db.merge(res('t', o, s, seq), at);
  };

  it('quorum is the larger of the live and known majorities', () => {
    expect(quorumSize(5, 5)).toBe(3);
    expect(quorumSize(3, 5)).toBe(3);
    expect(quorumSize(1, 1)).toBe(1);
    expect(quorumSize(2, 6)).toBe(4);
  });

  it('a minority reporting DOWN never makes an event', () => {
    const db = new GossipDb(100);
    const d = new QuorumDecider(1, sec(100));
    fill(db, { a: 'down', b: 'down', c: 'up', d: 'up', e: 'up' }, 1, 0);
    for (let i = 0; i < 5; i++) expect(d.evaluate(new Map([['t', 'up']]), db, known, known, i)).toEqual([]);
    // even if the leader only sees the two that say DOWN plus itself as live
    expect(d.evaluate(new Map([['t', 'up']]), db, new Set(['a', 'b', 'c']), known, 10)).toEqual([]);
  });

  it('needs confirmEvals consecutive quorums (hysteresis) and stale results do not count', () => {
    const db = new GossipDb(100);
    const d = new QuorumDecider(2, sec(10));
    const declared = new Map<string, Health>([['t', 'up']]);
    fill(db, { a: 'down', b: 'down', c: 'down', d: 'up', e: 'up' }, 1, 0);
    expect(d.evaluate(declared, db, known, known, 1)).toEqual([]);
    const p = d.evaluate(declared, db, known, known, 2);
    expect(p.map((x) => [x.key, x.from, x.to, x.tally.down])).toEqual([['t', 'up', 'down', 3]]);
    // a broken streak starts over
    fill(db, { c: 'up' }, 2, 3);
    expect(d.evaluate(declared, db, known, known, 3)).toEqual([]);
    fill(db, { c: 'down' }, 3, 4);
    expect(d.evaluate(declared, db, known, known, 4)).toEqual([]);
    // stale: 11 s later nothing counts
    expect(d.evaluate(declared, db, known, known, sec(11) + 5)).toEqual([]);
  });

  it('declares UP again when a quorum sees it up', () => {
    const db = new GossipDb(100);
    const d = new QuorumDecider(1, sec(10));
    fill(db, { a: 'up', b: 'up', c: 'up', d: 'down', e: 'down' }, 1, 0);
    expect(d.evaluate(new Map([['t', 'down']]), db, known, known, 1).map((p) => p.to)).toEqual(['up']);
  });
});

describe('replicated HA state', () => {
  const ctx = (index: number) => ({ index, term: 1 });
  const ev = (key: string, from: Health, to: Health): HaCommand =>
    ({ type: 'ha.event', key, from, to, decidedBy: 'n1', decidedAtUs: 0, agree: 3, live: 5, known: 5 });

  it('moves the active key to the standby on DOWN, reports unavailable with none left', () => {
    const sm = new HaStateMachine();
    let i = 0;
    sm.apply({ type: 'ha.target.put', key: 'cb/eu-1', value: 'eu-1:8091' }, ctx(++i));
    sm.apply({ type: 'ha.target.put', key: 'cb/eu-2', value: 'eu-2:8091' }, ctx(++i));
    sm.apply({ type: 'ha.group.put', name: 'cb', targets: ['cb/eu-1', 'cb/eu-2'] }, ctx(++i));
    expect(sm.group('cb')!.active).toBe('cb/eu-1');
    const r = sm.apply(ev('cb/eu-1', 'up', 'down'), ctx(++i));
    expect(r.ok && r.activeChanges).toEqual([{ group: 'cb', from: 'cb/eu-1', to: 'cb/eu-2' }]);
    expect(sm.group('cb')!.active).toBe('cb/eu-2');
    // the same decision again (retry / second leader) is a no-op
    expect(sm.apply(ev('cb/eu-1', 'up', 'down'), ctx(++i)).ok).toBe(false);
    expect(sm.events().length).toBe(1);
    // no fail-back when eu-1 returns
    sm.apply(ev('cb/eu-1', 'down', 'up'), ctx(++i));
    expect(sm.group('cb')!.active).toBe('cb/eu-2');
    // both down: unavailable, then recovers to whichever comes up
    sm.apply(ev('cb/eu-2', 'up', 'down'), ctx(++i));
    expect(sm.group('cb')!.active).toBe('cb/eu-1');
    sm.apply(ev('cb/eu-1', 'up', 'down'), ctx(++i));
    expect(sm.group('cb')!.unavailable).toBe(true);
    sm.apply(ev('cb/eu-2', 'down', 'up'), ctx(++i));
    expect(sm.group('cb')).toMatchObject({ active: 'cb/eu-2', unavailable: false });
  });

  it('property: events alternate per target, invariants hold, snapshot/restore is exact', () => {
    const keys = ['a', 'b', 'c'];
    const cmd = fc.oneof(
      fc.record({ type: fc.constant('ha.target.put' as const), key: fc.constantFrom(...keys), value: fc.constantFrom('x', 'y') }),
      fc.record({ type: fc.constant('ha.target.delete' as const), key: fc.constantFrom(...keys) }),
      fc.record({ type: fc.constant('ha.group.put' as const), name: fc.constantFrom('g1', 'g2'), targets: fc.uniqueArray(fc.constantFrom(...keys), { minLength: 1, maxLength: 3 }) }),
      fc.record({ key: fc.constantFrom(...keys), from: fc.constantFrom<Health>('up', 'down'), to: fc.constantFrom<Health>('up', 'down') })
        .map((e) => ev(e.key, e.from, e.to)),
    );
    fc.assert(fc.property(fc.array(cmd, { maxLength: 60 }), (cmds) => {
      const sm = new HaStateMachine(1024, 10);
      // a model of declared health: events must chain from -> to, re-added targets start UP
      const model = new Map<string, Health>();
      cmds.forEach((c0, i) => {
        const c = c0 as HaCommand;
        const r = sm.apply(c, ctx(i + 1));
        if (c.type === 'ha.target.put' && !model.has(c.key)) model.set(c.key, 'up');
        if (c.type === 'ha.target.delete') model.delete(c.key);
        if (c.type === 'ha.event') {
          const applies = model.get(c.key) === c.from && c.from !== c.to;
          expect(r.ok).toBe(applies);
          if (applies) model.set(c.key, c.to);
        }
      });
      expect(sm.healthAll()).toEqual(new Map([...model].sort()));
      for (const g of sm.groups()) {
        const anyUp = g.targets.some((t) => sm.health(t) === 'up');
        if (anyUp) expect(sm.health(g.active)).toBe('up');
        expect(g.unavailable).toBe(!anyUp);
      }
      const copy = new HaStateMachine(1024, 10);
      copy.restore(structuredClone(sm.snapshot()));
      expect(copy.snapshot()).toEqual(sm.snapshot());
    }), { numRuns: 300 });
  });
});

describe('detection bound', () => {
  it('adds up checks, gossip, quorum confirmation and commit', () => {
    const c = haConfig({ checkIntervalUs: sec(2), checkTimeoutUs: sec(1), failuresBeforeDown: 3, evalIntervalUs: sec(1), confirmEvals: 2 });
    const b = detectionBoundUs(c, sec(0.1), sec(0.05));
    expect(b.checksUs).toBe(sec(7));
    expect(b.quorumUs).toBe(sec(2));
    expect(b.totalUs).toBe(sec(9.15));
    expect(() => haConfig({ checkIntervalUs: sec(1), checkTimeoutUs: sec(2) })).toThrow();
  });
});

import { parseUpDown } from '../../src/core/ha/index.ts';

describe('check script output', () => {
  it('UP on the first non-empty line means up; anything else is down', () => {
    expect(parseUpDown('UP\n')).toBe('up');
    expect(parseUpDown('\n  up  \nextra')).toBe('up');
    expect(parseUpDown('DOWN')).toBe('down');
    expect(parseUpDown('')).toBe('down');
    expect(parseUpDown('UPS')).toBe('down');
    expect(parseUpDown('error: connection refused\nUP')).toBe('down');
  });
});
