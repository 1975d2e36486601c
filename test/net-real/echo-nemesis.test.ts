// The echo core under the simulator's random faults: its invariants (non-negative round
// trips on its own clock, reliable notes in order within a sender's boot) hold for any seed,
// and once the faults stop every node hears from every peer again.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ms, sec, type NodeId } from '../../src/core/env.ts';
import { EchoNode } from '../../src/core/echo/index.ts';
import { World } from '../../src/sim/index.ts';

const IDS: NodeId[] = ['a1', 'a2', 'b1', 'b2'];

it('echo invariants hold under nemesis faults, and it recovers after them', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
      const world = new World({
        seed,
        topology: { regions: [{ name: 'r', dcs: [{ name: 'dc-a', nodes: ['a1', 'a2'] }, { name: 'dc-b', nodes: ['b1', 'b2'] }] }] },
        network: { loss: 0.02, duplicate: 0.01, reorder: 0.05, reorderWindow: ms(5) },
      });
      world.setup((ctx) => {
        const echo = new EchoNode(ctx.env('echo'), { peers: IDS, intervalUs: ms(100) });
        return { echo, start: () => echo.start(), stop: () => echo.stop() };
      });
      world.nemesis({ ratePerMin: 20, durationMin: sec(1), durationMax: sec(5), until: sec(30) });
      world.start();
      world.run(sec(40)); // throws SimulationError if an echo assert fails
      const snapshot = new Map(IDS.map((id) => [id, new Map([...world.app<{ echo: EchoNode }>(id)!.echo.peers].map(([p, v]) => [p, v.pongs + v.notes]))]));
      world.run(sec(45));
      for (const id of IDS) {
        const echo = world.app<{ echo: EchoNode }>(id)!.echo;
        for (const [peer, v] of echo.peers) {
          // Heard from every peer in the last 5 s, on both channels.
          expect(v.pongs + v.notes, `${id} <- ${peer}`).toBeGreaterThan(snapshot.get(id)!.get(peer)! + 20);
        }
      }
      expect(Object.values(world.faultCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }),
    { numRuns: 25 },
  );
});
