/**
 * `hanode keygen` and the rule that a multi-node agent needs a cluster key (issue 12): without
 * one it exits 2 with a one-line message, unless --insecure-cluster; a bad key or key file is
 * refused the same way. The agent is never started in these cases (nothing binds).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseClusterKey } from '../../src/hanode/cluster-key.ts';
import { parseKey } from '../../src/net-real/seal.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');
const dir = mkdtempSync(join(tmpdir(), 'hanode-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hanode(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.HANODE_ENCRYPT;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...clean, ...env } });
}

describe('cluster key', () => {
  it('keygen prints base64 of 32 random bytes, different each time', () => {
    const a = hanode(['keygen']);
    const b = hanode(['keygen']);
    expect(a.status).toBe(0);
    expect(parseKey(a.stdout.trim()).length).toBe(32);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('a multi-node agent without a key exits 2 with one line; bad keys and key files too', () => {
    const base = ['agent', '--node', 'k1', '--data-dir', join(dir, 'k1'), '--http', '127.0.0.1:0', '--raft', '0', '--serf', '0'];
    for (const extra of [['--bootstrap-expect', '3'], ['--join', '127.0.0.1:1'], ['--bootstrap-expect', '3', '--encrypt', 'c2hvcnQ='], ['--bootstrap-expect', '3', '--encrypt-file', join(dir, 'missing')]]) {
      const r = hanode([...base, ...extra]);
      expect(r.status, extra.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^hanode agent: /);
    }
  });

  it('--insecure-cluster starts a multi-node agent without a key, and says so', async () => {
    const clean = { ...process.env };
    delete clean.HANODE_ENCRYPT;
    const child = spawn(process.execPath, [BIN, 'agent', '--node', 'k2', '--data-dir', join(dir, 'k2'), '--bind', '127.0.0.1', '--http', '127.0.0.1:0', '--raft', '0', '--serf', '0', '--bootstrap-expect', '3', '--insecure-cluster'], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('hanode agent running') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('hanode agent running');
      expect(out).toMatch(/WARN.*insecure/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('chooses the key from a file, the environment or the flag; refuses two sources; allows no key only for one node or --insecure-cluster', () => {
    const key = hanode(['keygen']).stdout.trim();
    const file = join(dir, 'key');
    writeFileSync(file, `${key}\n`);
    expect(chooseClusterKey({ encryptFile: file }, {}, true)).toEqual({ ok: true, key });
    expect(chooseClusterKey({}, { HANODE_ENCRYPT: key }, true)).toEqual({ ok: true, key });
    expect(chooseClusterKey({ encrypt: key, encryptFile: file }, {}, true).ok).toBe(false);
    expect(chooseClusterKey({}, {}, true).ok).toBe(false);
    expect(chooseClusterKey({ insecureCluster: true }, {}, true)).toEqual({ ok: true });
    expect(chooseClusterKey({}, {}, false)).toEqual({ ok: true });
    writeFileSync(file, 'x'.repeat(5000));
    expect(chooseClusterKey({ encryptFile: file }, {}, true).ok).toBe(false);
  });
});
