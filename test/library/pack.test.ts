/**
 * The package as a user gets it: `npm pack`, the tarball installed into an empty project
 * outside the repo, the primary-backup example copied there importing its types from
 * 'hasim', and `npx hasim run`: the buggy variant fails with a replay command that reproduces
 * it (same trace hash), the fixed one passes. Packs the compiled dist/ as it is (no rebuild
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
  }, 600_000);
});
