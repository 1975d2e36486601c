// How bin/hasim.js and bin/hanode.js start: the compiled dist/ (npm run build; built on install)
// when it is there and no file under src/ changed since it was built, else the TypeScript
// sources through tsx (development: edits take effect without a build). HASIM_NO_DIST=1 forces
// the sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');

/** Newest mtime under dir (ms), stopping early once one is newer than limit. */
function newestMtime(dir, limit) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? Math.max(statSync(p).mtimeMs, newestMtime(p, limit)) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
    if (newest > limit) break;
  }
  return newest;
}

function distIsFresh() {
  if (process.env.HASIM_NO_DIST === '1') return false; // force the sources (bench/cli-start.ts compares)
  let built;
  try {
    built = statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return false; // never built, or the last build failed
  }
  return newestMtime(join(root, 'src'), built) <= built;
}

/** Runs entry ('cli/hasim') from dist/ or, failing that, from src/ through tsx. */
export async function launch(entry) {
  if (distIsFresh()) {
    await import(pathToFileURL(join(root, 'dist', `${entry}.js`)).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', `${entry}.ts`)).href);
}
