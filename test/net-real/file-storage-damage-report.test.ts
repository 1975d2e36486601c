// FileStorage.damage() (docs/storage-faults.md): a cut that valid data followed is synced data
// damaged and is reported to the core; a torn tail (what a crash leaves) is not.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/net-real/file-storage.ts';
import { flipByte } from '../support/bytes.ts';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function written(n: number): { dir: string; seg: string } {
  dir = mkdtempSync(join(tmpdir(), 'fs-damage-'));
  const st = FileStorage.open(dir);
  st.append(Array.from({ length: n }, (_, k) => ({ index: k + 1, payload: 'x'.repeat(40) })));
  st.sync();
  st.close();
  const logDir = join(dir, 'log');
  return { dir, seg: join(logDir, readdirSync(logDir).filter((f) => f.endsWith('.seg')).sort().at(-1)!) };
}

function flip(file: string, at: (len: number) => number): void {
  const b = readFileSync(file);
  flipByte(b, at(b.length));
  writeFileSync(file, b);
}

describe('FileStorage.damage', () => {
  it('reports a mid-log checksum failure from the first lost index on', () => {
    const { dir: d, seg } = written(50);
    flip(seg, (len) => Math.floor(len / 2));
    const st = FileStorage.open(d);
    const dmg = st.damage();
    expect(dmg?.cutFrom).toBe(st.last() + 1);
    // The bad record's length field is intact here (a payload byte flipped): the records past it
    // are readable, and say how far the log reached.
    expect(dmg?.cutTo).toBe(50);
    expect(st.last()).toBeGreaterThan(10);
    expect(st.last()).toBeLessThan(40);
    expect(st.recovery.cuts.some((c) => !c.tail)).toBe(true);
    st.close();
  });

  it('does not report a torn last record (a crash mid-write looks the same)', () => {
    const { dir: d, seg } = written(20);
    flip(seg, (len) => len - 2);
    const st = FileStorage.open(d);
    expect(st.last()).toBe(19);
    expect(st.damage()).toBeUndefined();
    st.close();
  });

  it('reports a deleted log directory beside surviving state; a fresh data dir is no damage', () => {
    const { dir: d } = written(5);
    const st0 = FileStorage.open(d);
    st0.save('hs', { term: 2, vote: null });
    st0.close();
    rmSync(join(d, 'log'), { recursive: true, force: true });
    const st = FileStorage.open(d);
    expect(st.last()).toBe(0);
    expect(st.damage()).toEqual({ lostLog: true });
    st.close();
    const fresh = FileStorage.open(join(d, 'fresh'));
    expect(fresh.damage()).toBeUndefined();
    fresh.close();
  });

  it('reports nothing for an intact log', () => {
    const { dir: d } = written(5);
    const st = FileStorage.open(d);
    expect(st.damage()).toBeUndefined();
    st.close();
  });
});
