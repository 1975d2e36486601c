/**
 * A scenario copied to another directory (hasim shrink --out elsewhere) must still find the
 * user's modules: `app.module` and `app.checkers` are relative to the scenario file, so they
 * are rewritten relative to the new place. Text without an `app:` section comes back as is.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';

export function rebaseAppPaths(text: string, fromFile: string, toFile: string): string {
  const from = dirname(resolve(fromFile));
  const to = dirname(resolve(toFile));
  if (from === to) return text;
  const doc = parseDocument(text);
  const app = doc.get('app', true);
  if (!isMap(app)) return text;
  for (const key of ['module', 'checkers']) {
    const p = app.get(key);
    if (typeof p !== 'string' || isAbsolute(p)) continue;
    const rel = relative(to, resolve(from, p));
    app.set(key, rel.startsWith('.') ? rel : `./${rel}`);
  }
  return doc.toString();
}
