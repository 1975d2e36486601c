// Storage faults of the simulated disk (docs/storage-faults.md): bit rot at rest, lost state
// files, a wiped data dir, a restored stale copy; found at the next open and reported through
// Storage.damage(); the scenario kinds and the opt-in nemesis that inject them.
import { describe, expect, it } from 'vitest';
import type { Env, StorageDamage } from '../../src/core/env.ts';
import { ms, sec } from '../../src/core/env.ts';
import { faultFromEvent } from '../../src/scenario/fault-events.ts';
import { faultToYaml } from '../../src/scenario/faults.ts';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.ts';
import { MemoryStorage } from '../../src/host/memory-storage.ts';
import { World, type Fault, type TraceEvent } from '../../src/sim/index.ts';

function filled(n: number): MemoryStorage {
  const st = new MemoryStorage();
  st.append(Array.from({ length: n }, (_, k) => ({ i: k + 1 })));
  st.save('hs', { term: 3 });
  st.sync();
  return st;
}

describe('MemoryStorage damage at rest', () => {
  it('a rotten record in the middle of the log is read as before until the reopen cuts the log there', () => {
    const st = filled(10);
    expect(st.rot(5, 2)).toBe(true);
    expect(st.get(5)).toEqual({ i: 5 }); // the running process reads its own copy
    expect(st.damage()).toBeUndefined();
    expect(st.reopen()).toEqual({ cutFrom: 5, cutTo: 10 });
    expect(st.last()).toBe(4);
    expect(st.damage()).toEqual({ cutFrom: 5, cutTo: 10 });
    // A second open finds nothing new.
    expect(st.reopen()).toBeUndefined();
    expect(st.last()).toBe(4);
  });

  it('tail rot cuts only the tail; rot outside the log hits nothing', () => {
    const st = filled(6);
    expect(st.rot(7)).toBe(false);
    expect(st.rot(6)).toBe(true);
    expect(st.reopen()).toEqual({ cutFrom: 6, cutTo: 6 });
    expect(st.last()).toBe(5);
  });

  it('a record rewritten after the rot (truncated, appended again) is good again', () => {
    const st = filled(6);
    st.rot(4);
    st.truncateFrom(3);
    st.append([{ i: 3 }, { i: 4 }]);
    st.sync();
    expect(st.reopen()).toBeUndefined();
    expect(st.last()).toBe(4);
  });

  it('a lost state file is gone at the reopen, and reported', () => {
    const st = filled(3);
    expect(st.loseKey('nope')).toBe(false);
    expect(st.loseKey('hs')).toBe(true);
    expect(st.load('hs')).toEqual({ term: 3 });
    expect(st.reopen()).toEqual({ lostKeys: ['hs'] });
    expect(st.load('hs')).toBeUndefined();
    expect(st.last()).toBe(3);
  });

  it('a wipe empties log and state, unsynced writes included', () => {
    const st = filled(5);
    st.append([{ i: 6 }]);
    st.wipe();
    expect([st.first(), st.last(), st.load('hs'), st.unsyncedCount()]).toEqual([1, 0, undefined, 0]);
    expect(st.reopen()).toEqual({ wiped: true });
  });

  it('restore puts back exactly the older copy, compaction point included', () => {
    const st = filled(8);
    st.compactTo(2);
    st.sync();
    const copy = st.backup();
    st.append([{ i: 9 }, { i: 10 }]);
    st.save('hs', { term: 9 });
    st.compactTo(5);
    st.sync();
    st.restore(copy);
    expect(st.reopen()).toEqual({ stale: true });
    expect([st.first(), st.last(), st.load('hs')]).toEqual([3, 8, { term: 3 }]);
    expect(st.slice(3, 9)).toEqual([3, 4, 5, 6, 7, 8].map((i) => ({ i })));
  });
});

/** A core that appends and syncs one record every 10ms and remembers what its disk reported at start. */
function writerWorld(seed = 1) {
  const seen: { node: string; damage: StorageDamage | undefined; last: number }[] = [];
  const world = World.lan(['a', 'b'], seed, { recordTrace: true });
  world.setup((ctx) => {
    const env: Env = ctx.env('raft');
    const st = env.storage;
    seen.push({ node: ctx.id, damage: st.damage?.(), last: st.last() });
    return {
      start() {
        const tick = () => {
          st.append([{ n: st.last() + 1 }]);
          st.sync();
          env.after(ms(10), tick);
        };
        tick();
      },
    };
  });
  return { world, seen };
}

describe('storage faults in a world', () => {
  it('corrupt with `for` crashes the node; its restart finds the damage, and the trace says so', () => {
    const { world, seen } = writerWorld();
    world.start();
    world.schedule([{ at: sec(1), fault: { kind: 'corrupt', node: 'a', where: 'mid', records: 3, for: ms(500) } }]);
    world.run(sec(2));
    const restart = seen.filter((s) => s.node === 'a')[1]!;
    expect(restart.damage?.cutFrom).toBeGreaterThan(1);
    expect(restart.damage!.cutTo! - restart.damage!.cutFrom!).toBeGreaterThanOrEqual(40); // mid-log: far from the tail
    expect(restart.last).toBe(restart.damage!.cutFrom! - 1);
    const kinds = world.traceEvents().map((e) => e.kind);
    expect(kinds).toContain('disk.corrupt');
    expect(kinds).toContain('disk.damage');
    // b was not touched
    expect(seen.filter((s) => s.node === 'b').every((s) => s.damage === undefined)).toBe(true);
  });

  it('corrupt without `for` leaves the node up; the damage is found at its next restart', () => {
    const { world, seen } = writerWorld();
    world.start();
    world.schedule([
      { at: sec(1), fault: { kind: 'corrupt', node: 'b', where: 'tail' } },
      { at: sec(2), fault: { kind: 'crash', node: 'b', for: ms(100) } },
    ]);
    world.run(sec(1) - 1);
    const tailAtFault = world.storage('b', 'raft').last();
    world.run(sec(1) + ms(500));
    expect(world.isUp('b')).toBe(true);
    expect(seen.filter((s) => s.node === 'b')).toHaveLength(1);
    world.run(sec(3));
    const d = seen.filter((s) => s.node === 'b')[1]!.damage;
    // The record that was the synced tail at the fault; b wrote more later, cut with it.
    expect(d?.cutFrom).toBe(tailAtFault);
    expect(d!.cutTo!).toBeGreaterThan(tailAtFault + 50);
  });

  it('wipe brings the node back empty under the same id; restore-stale brings back the older copy', () => {
    const { world, seen } = writerWorld();
    world.start();
    world.schedule([
      { at: sec(1), fault: { kind: 'wipe', node: 'a', for: ms(200) } },
      { at: sec(1), fault: { kind: 'restore-stale', node: 'b', for: sec(1) } },
    ]);
    world.run(sec(3));
    const a = seen.filter((s) => s.node === 'a');
    expect(a[1]).toEqual({ node: 'a', damage: { wiped: true }, last: 0 });
    const b = seen.filter((s) => s.node === 'b');
    expect(b[1]!.damage).toEqual({ stale: true });
    // The copy was taken at 1s, about 100 records in; restored at 2s, when b held about 200.
    expect(b[1]!.last).toBeGreaterThan(80);
    expect(b[1]!.last).toBeLessThan(120);
    expect(world.faultCounts()).toMatchObject({ wipe: 1, 'restore-stale': 1 });
  });

  it('disk-full: the next sync fails and the process stops there (nothing it covered is kept as synced); it restarts when there is room', () => {
    const { world, seen } = writerWorld();
    world.start();
    world.run(sec(1) - 1);
    const syncedBefore = world.storage('a', 'raft').last();
    world.schedule([{ at: sec(1), fault: { kind: 'disk-full', node: 'a', for: ms(500) } }]);
    world.run(sec(1) + ms(100));
    expect(world.isUp('a')).toBe(false);
    expect(world.isUp('b')).toBe(true);
    const failed = world.traceEvents().filter((e) => e.kind === 'disk.write-failed');
    expect(failed).toMatchObject([{ node: 'a', svc: 'raft' }]);
    // The record whose sync failed was never synced: a crash may lose it, never more.
    expect(world.storage('a', 'raft').last()).toBeGreaterThanOrEqual(syncedBefore);
    expect(world.storage('a', 'raft').last()).toBeLessThanOrEqual(syncedBefore + 1);
    world.run(sec(2));
    expect(world.isUp('a')).toBe(true);
    expect(seen.filter((x) => x.node === 'a')).toHaveLength(2);
    expect(world.storage('a', 'raft').last()).toBeGreaterThan(syncedBefore + 40); // writing again
  });

  it('a storage nemesis replays byte for byte: same seed, same trace hash; another seed, another', () => {
    const hash = (seed: number) => {
      const { world } = writerWorld(seed);
      world.start();
      world.nemesis({ ratePerMin: 300, durationMin: ms(50), durationMax: ms(400), until: sec(4), kinds: { corrupt: 2, wipe: 1, 'restore-stale': 1, 'disk-full': 1, crash: 1 } });
      world.run(sec(5));
      return world.traceHash();
    };
    expect(hash(11)).toBe(hash(11));
    expect(hash(12)).not.toBe(hash(11));
  });

  it('the nemesis draws storage faults only when a scenario asks for them', () => {
    const drawn = (kinds?: Record<string, number>) => {
      const { world } = writerWorld(5);
      world.start();
      world.nemesis({ ratePerMin: 600, durationMin: ms(100), durationMax: ms(300), until: sec(5), ...(kinds ? { kinds } : {}) });
      world.run(sec(6));
      return Object.keys(world.faultCounts());
    };
    const storageKinds = ['corrupt', 'wipe', 'restore-stale', 'disk-full'];
    expect(drawn().filter((k) => storageKinds.includes(k))).toEqual([]);
    expect(drawn({ corrupt: 1, wipe: 1, 'restore-stale': 1, 'disk-full': 1, crash: 1 }).sort()).toEqual(['corrupt', 'crash', 'disk-full', 'restore-stale', 'wipe']);
  });
});

describe('storage fault kinds in scenarios', () => {
  const topo = `topology:\n  regions:\n    - name: r\n      dcs:\n        - { name: d, nodes: [n1, n2, n3] }\nraft:\n  voters: [n1, n2, n3]\nexpect: [raft-safety]\n`;
  const parse = (fault: string) => parseScenario(`name: t\nduration: 30s\n${topo}faults:\n  - ${fault}\n`).faults[0]!.fault;

  it('parses each kind and refuses what does not fit', () => {
    expect(parse('{ at: 1s, kind: corrupt, node: n1, where: mid, records: 2, for: 2s }')).toEqual({ kind: 'corrupt', node: 'n1', where: 'mid', records: 2, for: sec(2) });
    expect(parse('{ at: 1s, kind: corrupt, node: n1, where: state, key: hs }')).toEqual({ kind: 'corrupt', node: 'n1', where: 'state', key: 'hs' });
    expect(parse('{ at: 1s, kind: wipe, node: n2, for: 1s }')).toEqual({ kind: 'wipe', node: 'n2', for: sec(1) });
    expect(parse('{ at: 1s, kind: restore-stale, node: n3, for: 5s }')).toEqual({ kind: 'restore-stale', node: 'n3', for: sec(5) });
    expect(parse('{ at: 1s, kind: disk-full, node: n1, for: 2s }')).toEqual({ kind: 'disk-full', node: 'n1', for: sec(2) });
    expect(() => parse('{ at: 1s, kind: corrupt, node: n1, where: middle }')).toThrow(/mid/);
    expect(() => parse('{ at: 1s, kind: corrupt, node: n1, where: state, records: 2 }')).toThrow(/records/);
    expect(() => parse('{ at: 1s, kind: restore-stale, node: n3 }')).toThrow(/for/);
    expect(() => parse('{ at: 1s, kind: wipe, node: n9 }')).toThrow(/n9/);
  });

  it('a drawn storage fault is rebuilt from its trace event (hasim shrink) and written back as YAML', () => {
    const faults: Fault[] = [
      { kind: 'corrupt', node: 'a', where: 'tail', records: 2, for: ms(300) },
      { kind: 'corrupt', node: 'b', where: 'state', key: 'hs' },
      { kind: 'wipe', node: 'a', for: ms(200) },
      { kind: 'restore-stale', node: 'b', for: ms(400) },
      { kind: 'disk-full', node: 'a', for: ms(300) },
    ];
    const { world } = writerWorld();
    world.start();
    world.schedule(faults.map((fault, i) => ({ at: sec(i + 1), fault })));
    world.run(sec(6));
    const events = world.traceEvents().filter((e: TraceEvent) => e.kind === 'fault');
    expect(events.map((e) => faultFromEvent(e)?.fault)).toEqual(faults);
    expect(faultToYaml({ at: sec(1), fault: faults[0]! })).toEqual({ at: '1s', kind: 'corrupt', node: 'a', where: 'tail', records: 2, for: '300ms' });
  });

  it.each(['corrupt', 'wipe', 'restore-stale', 'disk-full'])('scenarios/faults/%s.yaml shows its kind', (k) => {
    const sc = loadScenarioFile(`scenarios/faults/${k}.yaml`);
    expect(sc.faults.map((f) => f.fault.kind)).toContain(k);
  });
});
