// A LiveRun over a bare World with a toy core, for testing the TUI without the scenario runner.
import { ms, sec } from '../../src/core/env.ts';
import { World } from '../../src/sim/index.ts';
import type { LiveRun, LiveTimelineItem } from '../../src/scenario/live-run.ts';

/** A toy "raft-like" part: exposes role/term/commitIndex so the view can show it. */
class Toy {
  private t = 1;
  private c = 0;
  constructor(private readonly leader: boolean) {}
  role() { return this.leader ? 'leader' : 'follower'; }
  term() { return this.t; }
  commitIndex() { return this.c; }
  tick() { this.c++; }
}

export function fakeRun(endUs = sec(60)): LiveRun {
  const world = new World({
    seed: 1,
    topology: { regions: [{ name: 'eu', dcs: [{ name: 'eu-1', nodes: ['n1', 'n2'] }, { name: 'eu-2', nodes: ['n3'] }] }, { name: 'us', dcs: [{ name: 'us-1', nodes: ['n4'] }] }] },
  });
  world.setup((ctx) => {
    const env = ctx.env('toy');
    const toy = new Toy(ctx.id === 'n1');
    env.onMessage(() => toy.tick());
    return {
      toy,
      start() {
        const beat = () => {
          for (const p of ['n1', 'n2', 'n3', 'n4']) if (p !== ctx.id) env.send(p, { type: 'beat' });
          env.after(ms(100), beat);
        };
        beat();
      },
    };
  });
  const pending: LiveTimelineItem[] = [];
  world.on((ev) => {
    if (ev.kind === 'fault') pending.push({ t: ev.t, category: 'fault', text: `${ev.fault} ${ev.target ?? ''}`.trim() });
  });
  world.start();
  let error: string | undefined;
  const guard = (f: () => void) => {
    try {
      f();
    } catch (e) {
      error = (e as Error).message;
    }
  };
  return {
    scenarioName: 'toy',
    seed: 1,
    world,
    endUs,
    advanceTo: (t) => guard(() => world.run(Math.min(t, endUs))),
    step: () => {
      let ran = false;
      guard(() => (ran = world.step()));
      return ran;
    },
    error: () => error,
    drainTimeline: () => pending.splice(0),
    verdicts: () => [],
  };
}
