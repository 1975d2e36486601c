/**
 * The package as a user gets it: `npm pack`, the tarball installed into an empty project
 * outside the repo, the primary-backup example copied there importing its types from
 * 'hasim', and `npx hasim run`: the buggy variant fails with a replay command that reproduces
 * it (same trace hash), the fixed one passes. Then a vitest property in that project (fast-check
 * fault schedules through the exported simulate()): the buggy variant fails printing the seed,
 * the schedule and a replay command that reproduces it, the fixed one holds. Packs the compiled dist/ as it is (no rebuild
 * here: other tests run the bins meanwhile); skipped, with a message, when dist/ was never
 * built or the registry cannot be reached for the dependencies.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve('.');
const built = existsSync(join(root, 'dist/api/index.js'));
const dir = mkdtempSync(join(tmpdir(), 'hasim-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The property a user writes (docs/your-own-protocol.md): random fault schedules, a seed each, simulate() throws with a replay command. */
const PROPERTY = `import fc from 'fast-check';
import { it } from 'vitest';
import { faultSchedules, simulate } from 'hasim/testing';

const file = process.env.VARIANT === 'fixed' ? 'fixed.yaml' : 'buggy.yaml';
const schedules = faultSchedules(fc, { nodes: ['n1', 'n2', 'n3'], untilUs: 15_000_000, maxFaults: 2 });

it(file + ' keeps acknowledged writes under random fault schedules', () => {
  fc.assert(
    fc.property(schedules, fc.integer({ min: 1, max: 1000 }), (faults, seed) => void simulate(file, { seed, faults })),
    { numRuns: 50, seed: 42, endOnFailure: true },
  );
}, 120_000);
`;

function sh(cmd: string, args: string[], cwd: string, timeout = 240_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

describe.skipIf(!built)('npm pack → install → hasim run on a user core', () => {
  if (!built) console.warn('pack.test: dist/ not built (npm run build): skipped');

  it('the buggy variant fails with a reproducing replay command; the fixed one passes', (ctx) => {
    const pack = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], root);
    expect(pack.code, pack.err).toBe(0);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const proj = join(dir, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), '{"name":"proj","private":true,"type":"module"}\n');
    const inst = sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tgz)], proj);
    if (inst.code !== 0) {
      // Only an unreachable registry skips; any other failure is the package's fault and fails the test.
      if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(inst.err)) {
        console.warn(`pack.test: the registry is unreachable: skipped\n${inst.err.slice(0, 300)}`);
        return ctx.skip();
      }
      expect.fail(`npm install of the tarball failed:\n${inst.err.slice(0, 1000)}`);
    }
    for (const f of ['register.ts', 'checks.ts', 'buggy.yaml', 'fixed.yaml']) copyFileSync(join(root, 'examples/primary-backup', f), join(proj, f));
    for (const f of ['register.ts', 'checks.ts']) {
      writeFileSync(join(proj, f), readFileSync(join(proj, f), 'utf8').replaceAll("'../../src/api/index.ts'", "'hasim'"));
    }
    const npx = (...a: string[]) => sh('npx', ['--no-install', 'hasim', ...a], proj);
    const bad = npx('run', 'buggy.yaml', '--swarm', '50', '--json');
    expect(bad.code, bad.err).toBe(1);
    const j = JSON.parse(bad.out);
    expect(j.failed).toBeGreaterThan(0);
    const { replay, seed, traceHash } = j.failures[0];
    expect(replay).toBe(`npx hasim replay buggy.yaml --seed ${seed}`);
    const again = npx('replay', 'buggy.yaml', '--seed', String(seed), '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).traceHash).toBe(traceHash);
    const good = npx('run', 'fixed.yaml', '--swarm', '50', '--json');
    expect(good.code, good.out.slice(0, 500)).toBe(0);

    // A vitest property in the user's project: fast-check fault schedules through simulate().
    const dev = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
    const tools = sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `vitest@${dev.vitest}`, `fast-check@${dev['fast-check']}`], proj);
    if (tools.code !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(tools.err)) {
      console.warn(`pack.test: the registry is unreachable for vitest/fast-check: the property part is skipped\n${tools.err.slice(0, 300)}`);
      return;
    }
    expect(tools.code, tools.err.slice(0, 1000)).toBe(0);
    writeFileSync(join(proj, 'prop.test.ts'), PROPERTY);
    const vitest = (variant: string) =>
      spawnSync('npx', ['--no-install', 'vitest', 'run', 'prop.test.ts'], { cwd: proj, encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1', VARIANT: variant } });
    const failing = vitest('buggy');
    const out = `${failing.stdout}${failing.stderr}`;
    expect(failing.status, out.slice(0, 2000)).toBe(1);
    expect(out).toMatch(/primary-backup-buggy failed with seed \d+/);
    expect(out).toMatch(/faults:\n\s+\{.*"kind":"(crash|isolate|pause|partition)"/);
    const m = /replay: npx hasim replay (\S+) --seed (\d+)/.exec(out);
    expect(m, out.slice(0, 2000)).not.toBeNull();
    const replayed = npx('replay', m![1]!, '--seed', m![2]!, '--json');
    expect(replayed.code, replayed.err).toBe(1);
    expect(JSON.parse(replayed.out)).toMatchObject({ passed: false, seed: Number(m![2]) });
    const holding = vitest('fixed');
    expect(holding.status, `${holding.stdout}${holding.stderr}`.slice(0, 2000)).toBe(0);
  }, 900_000);
});
