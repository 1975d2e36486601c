/**
 * The master's writes are fenced by its election entry (registry.ts `fence`, TreeRegistry's
 * multi of check and write, on the simulated tree). Found on real processes first
 * (test/hanode/shard-real.test.ts, the paused master): a master woken after its session
 * expired retried its placement write through a fresh session and overwrote the placement
 * while the new master was still listening. Here: a write fenced by a live entry lands; once
 * that entry's session is gone the same write is refused, through any session, while an
 * unfenced one still lands (so the refusal is the fence's doing).
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { DEFAULT_SHARD_SERVER_CONFIG, lowestEntry, type ReadResult, type Registry, type WriteResult } from '../../src/core/shard/index.ts';
import { SERVERS, SETTLE, shardCluster } from './harness.ts';

describe('fenced placement writes', () => {
  it('land while the fence entry lives, are refused once its session ended, through any session', () => {
    const regs: Registry[] = [];
    const c = shardCluster(7, sec(4), 'tree', false, (r) => {
      regs.push(r);
      return r;
    });
    const w = c.world;
    w.run(SETTLE);
    const master = SERVERS.find((s) => w.app<{ isMaster(): boolean }>(s)?.isMaster())!;
    const other = SERVERS.indexOf(SERVERS.find((s) => s !== master)!);
    const reg = regs[other]!;
    const dir = DEFAULT_SHARD_SERVER_CONFIG.dir;
    const path = DEFAULT_SHARD_SERVER_CONFIG.statePath;
    let fence = '';
    reg.list(dir, () => {}, (r) => {
      if (r.ok) fence = `${dir}/${lowestEntry(r.children)!.name}`;
    });
    w.run(SETTLE + sec(1));
    expect(fence).toMatch(/server-\d{10}$/);

    const read = (): ReadResult => {
      let out: ReadResult | undefined;
      reg.read(path, (r) => (out = r));
      w.run(w.now() + sec(1));
      return out!;
    };
    const write = (data: string, withFence: boolean): WriteResult => {
      const v = read();
      expect(v.ok).toBe(true);
      let out: WriteResult | undefined;
      reg.write(path, data, v.ok ? v.version : -1, (r) => (out = r), withFence ? fence : undefined);
      w.run(w.now() + sec(1));
      return out!;
    };

    expect(write(read().ok ? (read() as { data: string }).data : '', true).ok).toBe(true);
    // The fence entry's owner dies; its session expires (4 s) and its entry goes.
    w.inject({ kind: 'crash', node: master });
    w.run(w.now() + sec(12));
    const text = (read() as { data: string }).data;
    const refused = write(text, true);
    expect(refused).toMatchObject({ ok: false, fenced: true, conflict: false });
    expect(write(text, false).ok).toBe(true);
  });
});
