/**
 * The properties over random small clusters, seeds and fault timings (fast-check
 * prints the seed and the shrunk case on failure):
 *  - healthy network: no member is ever declared dead;
 *  - a crashed member is declared dead by every live member within a stated bound;
 *  - a member falsely suspected refutes in time;
 *  - after a partition heals, membership converges to the true set;
 *  - a departed node is not revived by stale push-pull state.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import { LAN, suspicionTimeoutUs } from '../../src/core/swim/index.ts';
import { buildCluster, converged, runUntilEvery, swimOf } from './harness.ts';

const P = LAN.probeIntervalUs;

/**
 * Bound on crash → dead at every live member, LAN profile, healthy network:
 * round-robin puts the victim in every prober's round of n − 1 periods, one more period to
 * conclude the probe, at most the maximal suspicion timeout (6 × min), and 5 s for the
 * dead update to spread.
 */
function crashBoundUs(n: number): Micros {
  const min = suspicionTimeoutUs(LAN.suspicionMult, n, P);
  return n * P + LAN.suspicionMaxTimeoutMult * min + sec(5);
}

describe('SWIM properties (simulated)', () => {
  it('healthy network (light loss, jitter): no member is ever declared dead', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), fc.integer(), fc.constantFrom(0, 0.01, 0.02), (n, seed, loss) => {
        const { world } = buildCluster({ n, seed, network: { loss } });
        let dead = 0;
        world.on((ev) => {
          if (ev.kind === 'swim.dead') dead++;
        });
        world.start();
        world.run(sec(90));
        expect(dead).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('a crashed member is declared dead by every live member within n·P + 6·min + 5 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        fc.integer(),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 0, max: 20_000 }),
        (n, seed, victimIx, crashMs) => {
          const { world, names } = buildCluster({ n, seed });
          const victim = names[victimIx % n]!;
          world.start();
          // a member everyone knows: wait for the view to converge, then a random phase. Join
          // news usually spreads by gossip in a few seconds, but what guarantees convergence is
          // anti-entropy: one push-pull interval (memberlist's PushPullInterval), plus margin.
          // (n=9, seed -295612751 converged only at 21 s.)
          expect(runUntilEvery(world, () => converged(world, names, names), ms(100), LAN.pushPullIntervalUs + sec(5))).toBe(true);
          world.run(world.now() + ms(crashMs));
          world.inject({ kind: 'crash', node: victim });
          const live = names.filter((x) => x !== victim);
          const bound = crashBoundUs(n);
          const ok = runUntilEvery(world, () => live.every((x) => swimOf(world, x)!.member(victim)?.status === 'dead'), ms(100), world.now() + bound);
          expect(ok, `not dead everywhere within ${bound / 1e6} s`).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  // Lifeguard's buddy system is what guarantees the suspect hears of it: plain SWIM may burn
  // the suspect update's retransmissions on other members and never tell it (seen at
  // n=6, seed 19), which is the baseline the false-positive bench measures.
  it('a member falsely suspected (paused < min suspicion) refutes in time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 10 }),
        fc.integer(),
        fc.integer({ min: 1_200, max: 3_000 }),
        (n, seed, pauseMs) => {
          const { world, names } = buildCluster({ n, seed });
          const victim = names[n - 1]!;
          let dead = 0;
          let refutes = 0;
          let suspects = 0;
          world.on((ev) => {
            // a death at an incarnation the victim had already refuted is a missed gossip of
            // the refutation, not a late refutation: counted apart (see the bench for rates)
            if (ev.kind === 'swim.dead' && ev['target'] === victim && (ev['inc'] as number) >= swimOf(world, victim)!.incarnation()) dead++;
            if (ev.kind === 'swim.suspect' && ev['target'] === victim) suspects++;
            if (ev.kind === 'swim.refute' && ev.node === victim) refutes++;
          });
          world.start();
          world.run(sec(4));
          for (let i = 0; i < 6; i++) {
            world.inject({ kind: 'pause', node: victim, for: ms(pauseMs) });
            world.run(world.now() + sec(6));
          }
          world.run(world.now() + sec(20));
          expect(dead).toBe(0);
          if (suspects > 0) expect(refutes).toBeGreaterThan(0);
          expect(converged(world, names, names)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('after a partition heals, membership converges to the true set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 10 }),
        fc.integer(),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 5, max: 70 }),
        (n, seed, cut, partitionS) => {
          const { world, names } = buildCluster({ n, seed });
          const k = 1 + (cut % (n - 1));
          const sideA = names.slice(0, k);
          const sideB = names.slice(k);
          world.start();
          world.run(sec(5));
          world.inject({ kind: 'partition', sides: [sideA, sideB], for: sec(partitionS) });
          const healAt = world.now() + sec(partitionS);
          world.run(healAt);
          // bound: two re-join periods (30 s, Consul retry_interval) plus a suspicion round
          const ok = runUntilEvery(world, () => converged(world, names, names), ms(250), healAt + sec(90));
          expect(ok, `not converged 90 s after healing a ${partitionS} s partition ${sideA}|${sideB}`).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a departed node is not revived by stale push-pull state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 8 }), fc.integer(), fc.integer({ min: 5, max: 80 }), (n, seed, isolateS) => {
        const { world, names } = buildCluster({ n, seed, config: { pushPullIntervalUs: sec(5), rejoinIntervalUs: sec(10) } });
        const leaver = names[n - 1]!;
        const stale = names[n - 2]!; // holds the leaver alive while cut off
        let leftAt = Infinity;
        const revived: string[] = [];
        world.on((ev) => {
          if ((ev.kind === 'swim.join' || ev.kind === 'swim.alive') && ev['target'] === leaver && ev.t > leftAt) revived.push(`${ev.node}@${ev.t}`);
        });
        world.start();
        world.run(sec(5));
        world.inject({ kind: 'isolate', target: stale, for: sec(isolateS) });
        world.run(world.now() + ms(100));
        leftAt = world.now();
        swimOf(world, leaver)!.leave();
        world.run(world.now() + sec(isolateS) + sec(90));
        expect(revived).toEqual([]);
        for (const x of names) {
          if (x === leaver) continue;
          const st = swimOf(world, x)!.member(leaver)?.status;
          expect(st === undefined || st === 'left' || st === 'dead', `${x} sees ${leaver} ${st}`).toBe(true);
        }
        const rest: NodeId[] = names.filter((x) => x !== leaver);
        expect(converged(world, rest, rest)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('after random faults (nemesis) heal, every member sees exactly the up members', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 12 }), fc.integer(), fc.integer({ min: 2, max: 12 }), (n, seed, ratePerMin) => {
        const { world, names } = buildCluster({ n, seed, config: { rejoinIntervalUs: sec(10) }, network: { loss: 0.01 } });
        world.start();
        world.run(sec(5));
        world.nemesis({ ratePerMin, durationMin: sec(1), durationMax: sec(20), until: sec(125) });
        world.run(sec(150)); // every fault has reverted by now
        for (const x of names) if (!world.isUp(x)) world.inject({ kind: 'restart', node: x });
        const up = names.filter((x) => world.isUp(x));
        const ok = runUntilEvery(world, () => converged(world, up, up), ms(250), world.now() + sec(120));
        expect(ok, `faults: ${JSON.stringify(world.faultCounts())}`).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
