/**
 * The `app:` scenario section (src/scenario/modules/app.ts): a user module written to a temp
 * directory (TypeScript, no build) runs on every listed node and restarts with its storage;
 * checkers come from a separate module; bad sections are scenario errors naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario, ScenarioError } from '../../src/api/index.ts';
import { rebaseAppPaths } from '../../src/scenario/modules/app-paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'hasim-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each node counts its boots in storage and pings the others; `lie` makes a checker fail.
writeFileSync(
  join(dir, 'boots.ts'),
  `import type { Env, AppNodeInfo } from '${join(process.cwd(), 'src/api/index.ts')}';
export function createCore(env: Env, info: AppNodeInfo<{ lie?: boolean }>) {
  const boots = (env.storage.load<number>('boots') ?? 0) + 1;
  env.storage.save('boots', boots);
  env.storage.sync();
  return {
    boots,
    start() {
      env.onMessage((from) => env.trace('got', { from }));
      env.trace('boot', { boots: info.config.lie ? boots + 100 : boots, restarts: info.restarts });
      for (const n of info.nodes) if (n !== env.self) env.send(n, { type: 'ping' });
    },
  };
}
`,
);
writeFileSync(
  join(dir, 'checks.ts'),
  `export const checkers = {
  'boots-match-restarts': (run: any) => {
    for (const e of run.events) if (e.kind === 'boot' && e.boots !== e.restarts + 1) return 'node ' + e.node + ' booted ' + e.boots + ' times after ' + e.restarts + ' restarts';
    return undefined;
  },
  'pinged': (run: any) => (run.events.some((e: any) => e.kind === 'got') ? undefined : { vacuous: 'no ping arrived' }),
};
`,
);

function scenario(name: string, app: string, expect = '  - app-checks'): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    `duration: 5s
topology:
  regions: [{ name: r, dcs: [{ name: d, nodes: [a, b, c] }] }]
faults:
  - { at: 1s, kind: crash, node: b, for: 1s }
app:
${app}
expect:
${expect}
`,
  );
  return f;
}

describe('app: section', () => {
  it('runs the user core on every node, rebuilds it on restart with its synced storage, and judges with the user checkers', () => {
    const sc = loadScenarioFile(scenario('ok.yaml', '  module: ./boots.ts\n  checkers: ./checks.ts'));
    const r = runScenario(sc, { seed: 3 });
    expect(r.expectations.map((v) => [v.name, v.passed])).toEqual([
      ['no broken invariant (every core assert held to the end)', true],
      ['every app checker', true],
    ]);
    expect(runScenario(sc, { seed: 3 }).traceHash).toBe(r.traceHash);
  });

  it('a checker that finds a violation fails the run with its message', () => {
    const sc = loadScenarioFile(scenario('lie.yaml', '  module: ./boots.ts\n  checkers: ./checks.ts\n  config: { lie: true }', '  - app-check: boots-match-restarts'));
    const v = runScenario(sc, { seed: 1 }).expectations.find((e) => e.kind === 'app-check')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/booted 101 times after 0 restarts/);
  });

  it('a run that never exercises a checker is vacuous, not a pass', () => {
    const sc = loadScenarioFile(scenario('one.yaml', '  module: ./boots.ts\n  checkers: ./checks.ts\n  nodes: [a]', '  - app-check: pinged'));
    const v = runScenario(sc, { seed: 1 }).expectations.find((e) => e.kind === 'app-check')!;
    expect(v).toMatchObject({ passed: false, vacuous: true });
  });

  it('bad sections are scenario errors naming the field', () => {
    const cases: [string, RegExp][] = [
      ['  module: ./missing.ts', /app\.module: .*cannot load/],
      ['  module: ./checks.ts', /app\.module: .*createCore/],
      ['  module: ./boots.ts\n  checkers: ./boots.ts', /app\.checkers: .*exporting checkers/],
      ['  module: ./boots.ts\n  bogus: 1', /bogus/],
    ];
    for (const [i, [app, re]] of cases.entries()) {
      expect(() => loadScenarioFile(scenario(`bad${i}.yaml`, app))).toThrow(ScenarioError);
      expect(() => loadScenarioFile(scenario(`bad${i}.yaml`, app))).toThrow(re);
    }
    expect(() => loadScenarioFile(scenario('unk.yaml', '  module: ./boots.ts\n  checkers: ./checks.ts', '  - app-check: nope'))).toThrow(/boots-match-restarts, pinged/);
  });

  it('rebaseAppPaths points a copied scenario back at the modules', () => {
    const text = 'app:\n  module: ./boots.ts\n  checkers: ./checks.ts\n';
    expect(rebaseAppPaths(text, join(dir, 's.yaml'), join(dir, 'sub', 's.yaml'))).toBe('app:\n  module: ../boots.ts\n  checkers: ../checks.ts\n');
    expect(rebaseAppPaths(text, join(dir, 's.yaml'), join(dir, 't.yaml'))).toBe(text);
  });
});
