/** Quitting `hasim tui` early: pending expectations are "not reached", real violations stay failures. */
import { describe, expect, it } from 'vitest';
import { judgeStoppedEarly } from '../../src/scenario/early-stop.ts';
import { loadScenarioFile, prepareRun } from '../../src/scenario/index.ts';
import { formatRunText } from '../../src/report/text.ts';

function stopAt(file: string, tUs: number) {
  const sc = loadScenarioFile(file);
  const run = prepareRun(sc, { seed: 1 });
  run.advanceTo(tUs);
  return { sc, r: judgeStoppedEarly(run.finish(), sc, tUs) };
}

describe('stopping a run early', () => {
  it('an expectation about later (new leader after a fault at 10s) is not reached; safety held so far; exit-worthy pass', () => {
    const { r } = stopAt('test/scenario/fixtures/isolate-leader.yaml', 5_000_000);
    const byKind = Object.fromEntries(r.expectations.map((v) => [v.kind, v]));
    expect(byKind['raft-safety']!.status).toBe('pass');
    expect(byKind['new-leader-within']!.status).toBe('not-reached');
    expect(byKind['leader-changed']!.status).toBe('not-reached');
    expect(byKind['new-leader-within']!.detail).toMatch(/^not reached: stopped at 5\.00?s of 30\.00?s/);
    expect(r.passed).toBe(true);
    const text = formatRunText(r, { color: false, replayCommand: 'npx hasim replay x --seed 1' });
    expect(text).toMatch(/… NOT REACHED {2}a new leader within 5s/);
    expect(text).toMatch(/STOPPED EARLY — 2 hold so far, 2 not reached \(of 4\); nothing failed/);
  });

  it('a violation seen before the stop stays a failure', () => {
    const { r } = stopAt('test/scenario/fixtures/careless-lock.yaml', 100_000_000);
    const lock = r.expectations.find((v) => v.kind === 'lock-exclusive')!;
    expect(lock.status).toBe('fail');
    expect(r.passed).toBe(false);
  });
});
