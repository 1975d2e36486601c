/** The README and docs link only files inside the repository, and every such link resolves. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Relative targets of Markdown links `[text](target)`, without #anchors; web links skipped. */
export function localLinks(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const t = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(t) || t.startsWith('#')) continue;
    out.push(t.replace(/#.*$/, ''));
  }
  return out;
}

const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('documentation links', () => {
  it('finds links (the extractor is not blind)', () => {
    expect(localLinks('see [a](docs/a.md) and [b](https://x.y/) and [c](../c.md#s)')).toEqual(['docs/a.md', '../c.md']);
  });

  for (const f of files) {
    it(`${f}: every local link stays inside the repo and exists`, () => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const link of localLinks(text)) {
        const target = resolve(dirname(join(ROOT, f)), link);
        const rel = relative(ROOT, target);
        expect(rel.startsWith('..'), `${f} links ${link}, outside the repository`).toBe(false);
        expect(existsSync(target), `${f} links ${link}, which does not exist`).toBe(true);
      }
    });
  }
});
