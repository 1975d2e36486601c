/**
 * Untrusted input never reaches a core unchecked (issue 12, point 3). Two layers:
 * - every service's validator takes any value (fast-check's `anything`) without throwing, and
 *   refuses the datagrams that used to stop a node (swim.ping with u:null, a push-pull with
 *   app:1, a non-string node);
 * - live cores in the simulator (raft, swim, coord, zk, coordrpc, kv, shard, ha, hello, node)
 *   are fed random values and mutations of messages captured from their own traffic, through
 *   the World's raw delivery path: no core throws (the run would stop with an error), and the
 *   refused ones are counted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { ServerNode } from '../../src/core/node/index.ts';
import { SERVICE_VALIDATORS, validateWire } from '../../src/core/wire-validators.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { prepareRun } from '../../src/scenario/runner.ts';
import { World } from '../../src/sim/index.ts';
import type { Message, NodeId } from '../../src/core/env.ts';
import { mutateMessage } from '../../src/sim/forge.ts';
import { randomStream } from '../../src/host/random.ts';

interface Captured {
  readonly to: NodeId;
  readonly from: NodeId;
  readonly svc: string;
  readonly msg: Message;
}

const SERVICES = Object.keys(SERVICE_VALIDATORS);

describe('wire validators', () => {
  it('take any value without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SERVICES), fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 4 }), (svc, v) => {
        const why = validateWire(svc, v);
        expect(why === null || typeof why === 'string').toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuse the single datagrams that stopped a node (issue 12)', () => {
    const bad: [string, unknown][] = [
      ['swim', { type: 'swim.ping', seq: 1, target: 'n1', u: null }],
      // found by the forge nemesis (stress/forge-nemesis seeds 555, 912): the node reads `u` on every type
      ['swim', { type: 'swim.nack', seq: 433_818, u: [null] }],
      ['swim', { type: 'swim.push-pull', join: false, reply: true, states: [], u: null }],
      ['swim', { type: 'swim.push-pull', join: false, reply: false, states: [], app: 1 }],
      ['swim', { type: 'swim.gossip', u: [{ t: 'alive', node: 7, inc: 1, meta: {} }] }],
      ['swim', { type: 'swim.push-pull', join: true, reply: false, states: [{ node: null, inc: 1, status: 'alive', meta: {} }] }],
      ['raft', { type: 'raft.heartbeat', term: '3', commit: 0, round: 1 }],
      ['raft', { type: 'raft.append', term: 2, prevIndex: 0, prevTerm: 0, entries: [{ index: 5, term: 1, kind: 'noop' }], commit: 0 }],
      ['raft', { type: 'raft.append', term: 2, prevIndex: 0, prevTerm: 0, entries: [{ index: 1, term: 9, kind: 'noop' }], commit: 0 }],
      ['raft', { type: 'raft.snapshot', term: 2, index: 3, snapTerm: 1, membership: { voters: ['b', 'a'], learners: [], promoting: [] }, offset: 0, data: new Uint8Array(0), done: true }],
      ['coord', { type: 'coord.fwd', id: 1, cmd: { type: 'kv', cmd: { type: 'put', key: 1 } } }],
      ['hello', { type: 'hello', card: { host: 5 } }],
      ['node', { type: 'anything' }],
    ];
    for (const [svc, m] of bad) expect(validateWire(svc, m), `${svc} ${JSON.stringify(m)}`).not.toBeNull();
    // and honest shapes pass
    expect(validateWire('swim', { type: 'swim.ping', seq: 1, target: 'n1' })).toBeNull();
    expect(validateWire('raft', { type: 'raft.append', term: 2, prevIndex: 0, prevTerm: 0, entries: [{ index: 1, term: 2, kind: 'noop' }], commit: 0 })).toBeNull();
    // The tree protocol's newer requests (persistent watches, removeWatches/checkWatches with kinds, SetWatches).
    const zkReq = (req: unknown) => ({ type: 'zk.req', cid: 'c', conn: 1, seq: 0, session: 's', xid: 1, req });
    for (const req of [
      { op: 'addWatch', path: '/a', mode: 'persistent' },
      { op: 'removeWatch', path: '/a', kinds: ['data', 'persistent'] },
      { op: 'checkWatch', path: '/a', kinds: ['child'] },
      { op: 'setWatches', relativeZxid: 3, watches: [{ path: '/a', kind: 'persistentRecursive' }] },
    ]) {
      expect(validateWire('zk', zkReq(req)), JSON.stringify(req)).toBeNull();
    }
  });
});

/** A live world plus the messages it delivered during a warm-up, by service. */
interface Live {
  readonly world: World;
  readonly advance: (t: number) => void;
  readonly error: () => string | undefined;
  readonly samples: Captured[];
}

function capture(world: World, advance: (t: number) => void, until: number): Captured[] {
  const samples: Captured[] = [];
  const perType = new Map<string, number>();
  world.tapDeliveries((to, from, svc, msg) => {
    // Some services send bare values (the API-in-the-loop replies), not typed records.
    const k = `${svc}/${msg !== null && typeof msg === 'object' ? String((msg as { type?: unknown }).type) : typeof msg}`;
    const n = perType.get(k) ?? 0;
    if (n >= 5) return;
    perType.set(k, n + 1);
    samples.push({ to, from, svc, msg: structuredClone(msg) });
  });
  advance(until);
  return samples;
}

function scenarioWorld(file: string): Live {
  const run = prepareRun(loadScenarioFile(file));
  const samples = capture(run.world, (t) => run.advanceTo(t), sec(8));
  return { world: run.world, advance: (t) => run.advanceTo(t), error: () => run.error(), samples };
}

function serverNodeWorld(): Live {
  const nodes = ['n1', 'n2', 'n3'];
  const world = World.lan(nodes, 5, { region: 'eu', dc: 'eu-1' });
  world.setup((ctx) => new ServerNode(ctx, { bootstrapExpect: 3, swim: { profile: 'local', seeds: ['n1'] }, card: { host: ctx.id, udp: '1', tcp: '2' }, join: ctx.id === 'n1' ? [] : ['n1'] }));
  let error: string | undefined;
  const advance = (t: number) => {
    try {
      world.runUntil(() => false, t);
    } catch (e) {
      error = (e as Error).message;
    }
  };
  world.start();
  const samples = capture(world, advance, sec(8));
  return { world, advance, error: () => error, samples };
}

const LIVES: [string, () => Live][] = [
  ['ServerNode (raft, swim, coord, hello, ha)', serverNodeWorld],
  ['raft + kv', () => scenarioWorld('scenarios/raft-partitions.yaml')],
  ['locks (coordrpc, zk)', () => scenarioWorld('scenarios/lock-under-partition.yaml')],
  ['shards', () => scenarioWorld('scenarios/shard-primary-failover.yaml')],
  ['failover (ha, swim)', () => scenarioWorld('scenarios/dc-failover.yaml')],
];

describe('live cores fed random and mutated messages', () => {
  for (const [name, make] of LIVES) {
    it(`${name}: no throw escapes, malformed input is counted`, () => {
      const live = make();
      expect(live.error()).toBeUndefined();
      expect(live.samples.length).toBeGreaterThan(3);
      const nodes = live.world.topology.nodes;
      const services = [...new Set(live.samples.map((s) => s.svc))];
      // Real types with fields of any type drawn from every field name the cores use.
      const types = [...new Set(live.samples.map((s) => `${s.svc} ${s.msg.type}`))];
      const fields = [...new Set(live.samples.flatMap((s) => Object.keys(s.msg)))].filter((k) => k !== 'type');
      const sampleOf = new Map(live.samples.map((s) => [`${s.svc} ${s.msg.type}`, s]));
      let t = live.world.now();
      const invalidBefore = live.world.stats.invalid;
      let injected = 0;
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              // a mutation of a captured message, from its real sender to its real receiver
              fc.record({ pick: fc.nat(), seed: fc.nat(), garbage: fc.anything({ maxDepth: 2 }) }).map((r) => ({ kind: 'mutate' as const, ...r })),
              // a real type with some fields given arbitrary values, between the nodes that really exchange it
              fc
                .record({ kind: fc.constant('shaped' as const), t: fc.constantFrom(...types), extra: fc.dictionary(fc.constantFrom(...fields), fc.anything({ maxDepth: 2 }), { maxKeys: 3 }) })
                .map((r) => r),
              // anything at all, to any service of any node
              fc.record({ to: fc.constantFrom(...nodes), from: fc.constantFrom(...nodes), svc: fc.constantFrom(...services), msg: fc.anything({ maxDepth: 3 }) }).map((r) => ({ kind: 'raw' as const, ...r })),
            ),
            { minLength: 1, maxLength: 40 },
          ),
          (ops) => {
            for (const op of ops) {
              if (op.kind === 'raw') {
                live.world.injectRaw(op.to, op.from, op.svc, op.msg, ms(1));
              } else if (op.kind === 'shaped') {
                const s = sampleOf.get(op.t)!;
                const m = { ...structuredClone(s.msg), ...op.extra, type: s.msg.type };
                if (validateWire(s.svc, m) === null) continue; // a well-formed lie from a member: not sent (as for mutations)
                live.world.injectRaw(s.to, s.from, s.svc, m, ms(1));
              } else {
                const s = live.samples[op.pick % live.samples.length]!;
                const m = mutateMessage(s.msg, randomStream(op.seed, 'mutate'), () => op.garbage);
                // A mutation that still passes the schema is a valid-shaped lie from a member:
                // the authenticated channel keeps non-members out, and members are trusted
                // (Raft does not tolerate Byzantine members). Only refused mutations are sent.
                if (validateWire(s.svc, m) === null) continue;
                live.world.injectRaw(s.to, s.from, s.svc, m, ms(1));
              }
              injected++;
            }
            t += ms(200);
            live.advance(t);
            expect(live.error()).toBeUndefined();
          },
        ),
        { numRuns: 25, endOnFailure: true },
      );
      expect(injected).toBeGreaterThan(0);
      expect(live.world.stats.invalid).toBeGreaterThan(invalidBefore);
    }, 120_000);
  }
});
