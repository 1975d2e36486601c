#!/usr/bin/env node
// `npm run build`, and `prepare` on install: compiles src/ to dist/ (tsconfig.build.json) so the
// bins run plain JavaScript. dist/.built is written only when tsc succeeds, dated to the moment
// the build started: bin/launch.js runs dist/ only while no source file is newer than that.
// With --optional (prepare) a failed build is a warning, not a failed install: the bins then
// fall back to running the sources through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const optional = process.argv.includes('--optional');
const started = new Date();

function fail(why) {
  console.error(`hasim build: ${why}; bin/hasim.js and bin/hanode.js will run the sources through tsx (slower start)`);
  process.exit(optional ? 0 : 1);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed');
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) fail(`tsc exited with ${r.status ?? r.signal}`);
const stamp = join(root, 'dist', '.built');
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
