/**
 * One ZooKeeper client script, run against hanode (zk-hanode.test.ts) and against a real
 * ZooKeeper (zk-compare.test.ts). It returns a transcript of what the clients saw, with
 * nothing server-specific in it (no zxids, times or session ids), so two servers that keep
 * ZooKeeper's promises produce equal transcripts.
 *
 * Clients are spread over the servers given (one server: all on it). A client reading what
 * another wrote through a different server waits for it (reads may lag, as ZooKeeper's do);
 * everything a client reads after its own write or after a watch event must already show it.
 */
import { Mode, Zk, type Result } from './zk-client.ts';
import { openAcl, RawZk, readStat } from './zk-raw-client.ts';

export type Transcript = [string, unknown][];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, limitMs = 20_000): Promise<{ value: T; elapsedMs: number }> {
  const start = Date.now();
  let v = await f();
  for (let i = 0; i < 10_000 && !ok(v) && Date.now() - start < limitMs; i++) {
    await sleep(50);
    v = await f();
  }
  return { value: v, elapsedMs: Date.now() - start };
}

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`unexpected ${r.error}`);
  return r.value;
};

/** The lock recipe (ZooKeeper's "Locks" recipe: lowest sequential child holds it, each waiter watches its predecessor). */
async function acquire(c: Zk, dir: string): Promise<string> {
  const me = value(await c.create(`${dir}/lock-`, '', Mode.EPHEMERAL_SEQUENTIAL));
  const name = me.slice(dir.length + 1);
  for (let i = 0; i < 1000; i++) {
    const kids = value(await c.getChildren(dir));
    const idx = kids.indexOf(name);
    if (idx === 0) return me;
    let fired!: () => void;
    const gone = new Promise<void>((r) => (fired = r));
    const st = value(await c.exists(`${dir}/${kids[idx - 1]}`, () => fired()));
    if (st !== null) await Promise.race([gone, sleep(20_000)]);
  }
  throw new Error('lock not acquired');
}

async function lockRecipe(clients: Zk[]): Promise<Record<string, unknown>> {
  const dir = '/t/lock';
  value(await clients[0]!.create(dir));
  value(await clients[0]!.create('/t/lockcount', '0'));
  let inside = 0;
  let overlaps = 0;
  let badVersions = 0;
  let acquisitions = 0;
  await Promise.all(
    clients.map(async (c) => {
      // The directory was created through another server: wait until this one has it.
      await eventually(() => c.exists(dir), (r) => r.ok && r.value !== null);
      for (let round = 0; round < 2; round++) {
        const held = await acquire(c, dir);
        acquisitions++;
        if (++inside > 1) overlaps++;
        const cur = value(await c.getData('/t/lockcount'));
        await sleep(20);
        const w = await c.setData('/t/lockcount', String(Number(cur.data) + 1), cur.stat.version);
        if (!w.ok) badVersions++;
        inside--;
        value(await c.remove(held));
      }
    }),
  );
  const final = value(await clients[0]!.getData('/t/lockcount')).data;
  return { acquisitions, overlaps, badVersions, final };
}

/** Leader election recipe: lowest sequential ephemeral leads; the next takes over when it goes. */
async function electionRecipe(clients: Zk[]): Promise<number[]> {
  const dir = '/t/elect';
  value(await clients[0]!.create(dir));
  const leaders: number[] = [];
  const names: string[] = [];
  for (const c of clients) {
    await eventually(() => c.exists(dir), (r) => r.ok && r.value !== null);
    names.push(value(await c.create(`${dir}/n-`, '', Mode.EPHEMERAL_SEQUENTIAL)).slice(dir.length + 1));
  }
  const becameLeader = clients.map(() => {
    let resolve!: () => void;
    const p = new Promise<void>((r) => (resolve = r));
    return { p, resolve };
  });
  const check = async (i: number): Promise<void> => {
    for (let k = 0; k < 100; k++) {
      const kids = value(await clients[i]!.getChildren(dir));
      const idx = kids.indexOf(names[i]!);
      if (idx === 0) {
        leaders.push(i);
        becameLeader[i]!.resolve();
        return;
      }
      let fired!: () => void;
      const gone = new Promise<void>((r) => (fired = r));
      const st = value(await clients[i]!.exists(`${dir}/${kids[idx - 1]}`, () => fired()));
      if (st !== null) await Promise.race([gone, sleep(20_000)]);
    }
  };
  const watchers = clients.map((_, i) => check(i));
  for (let i = 0; i < clients.length; i++) {
    await Promise.race([becameLeader[i]!.p, sleep(20_000)]);
    clients[i]!.close(); // the leader steps down by ending its session
  }
  await Promise.all(watchers);
  return leaders;
}

export interface ScriptOptions {
  /** Session timeout asked for by the client that vanishes (the server clamps it to [4 s, 40 s]). */
  readonly expiryTimeoutMs: number;
}

export async function zkScript(servers: readonly string[], opts: ScriptOptions): Promise<Transcript> {
  const at = (i: number) => servers[i % servers.length]!;
  const out: Transcript = [];
  const rec = (k: string, v: unknown) => out.push([k, v]);
  const a = await Zk.connect(at(0));
  const b = await Zk.connect(at(1));
  const extra: Zk[] = [];
  try {
    // ---- create / get / set / delete with versions ----
    rec('create /t', await a.create('/t', 'root'));
    rec('create /t/a', await a.create('/t/a', 'v0'));
    rec('create /t/a again', await a.create('/t/a', 'x'));
    rec('create without parent', await a.create('/t/x/y'));
    rec('getData /t/a', await a.getData('/t/a'));
    rec('setData at version 0', await a.setData('/t/a', 'v1', 0));
    rec('setData at stale version 0', await a.setData('/t/a', 'v2', 0));
    rec('getData after set', await a.getData('/t/a'));
    rec('delete at stale version', await a.remove('/t/a', 0));
    rec('delete non-empty /t', await a.remove('/t'));
    rec('delete at version 1', await a.remove('/t/a', 1));
    rec('exists after delete', await a.exists('/t/a'));
    rec('delete missing', await a.remove('/t/a'));

    // ---- sequential nodes: suffix = parent's cversion, %010d ----
    value(await a.create('/t/s'));
    for (let i = 0; i < 3; i++) rec(`sequential ${i}`, await a.create('/t/s/n-', '', Mode.PERSISTENT_SEQUENTIAL));
    rec('delete sequential 1', await a.remove('/t/s/n-0000000001'));
    rec('sequential after a delete', await a.create('/t/s/n-', '', Mode.PERSISTENT_SEQUENTIAL));
    rec('children of /t/s', await a.getChildren('/t/s'));
    rec('stat of /t/s', await a.exists('/t/s'));

    // ---- ephemerals cannot have children ----
    rec('create ephemeral', await a.create('/t/e', 'x', Mode.EPHEMERAL));
    rec('child of an ephemeral', await a.create('/t/e/c'));
    rec('stat of the ephemeral', await a.exists('/t/e'));

    // ---- watches: B (another server) watches, A writes; each fires once, in order ----
    value(await a.create('/t/w', '0'));
    await eventually(() => b.exists('/t/w'), (r) => r.ok && r.value !== null);
    rec('watch getData', (await b.getData('/t/w', 'data')).ok);
    rec('watch exists on a missing node', await b.exists('/t/w2', 'exists'));
    rec('watch getChildren', await b.getChildren('/t/w', 'child'));
    value(await a.setData('/t/w', '1'));
    value(await a.create('/t/w2'));
    value(await a.create('/t/w/c1'));
    value(await a.setData('/t/w', '2'));
    value(await a.create('/t/w/c2'));
    await eventually(async () => b.events.length, (n) => n >= 3);
    const afterEvent = await b.getData('/t/w');
    await sleep(500); // a second firing would show up here
    rec('watch events', [...b.events]);
    rec('read after the data event shows the change', afterEvent.ok && afterEvent.value.data !== '0');

    // ---- multi: all or nothing ----
    rec('multi with a failing check', await a.multi((t) => t.create('/t/m1', Buffer.from('x')).check('/t/w', 99).create('/t/m2', Buffer.alloc(0))));
    rec('nothing of the failed multi', [await a.exists('/t/m1'), await a.exists('/t/m2')]);
    rec('multi that succeeds', await a.multi((t) => t.create('/t/m1', Buffer.from('x')).setData('/t/m1', Buffer.from('y'), 0).check('/t/m1', 1).create('/t/m2', Buffer.alloc(0)).remove('/t/m1', 1)));
    rec('after the multi', [await a.exists('/t/m1'), (await a.exists('/t/m2')).ok]);

    // ---- ops the npm client lacks, on the raw wire ----
    const r = await RawZk.connect(at(2), 6000);
    try {
      await eventually(async () => (await r.request(3, (w) => w.ustring('/t/m2').bool(false))).err, (e) => e === 0);
      const sync = await r.request(9, (w) => w.ustring('/t'));
      rec('sync', [sync.err, sync.err === 0 ? sync.body.ustring() : null]);
      const kids = await r.request(8, (w) => w.ustring('/t/s').bool(false));
      rec('getChildren (op 8)', [kids.err, kids.err === 0 ? kids.body.strings().sort() : null, kids.body.remaining()]);
      const c2 = await r.request(15, (w) => openAcl(w.ustring('/t/c2').buffer(Buffer.from('abc'))).int(0));
      rec('create2', [c2.err, c2.err === 0 ? [c2.body.ustring(), readStat(c2.body)] : null]);
      const cont = await r.request(19, (w) => openAcl(w.ustring('/t/cont').buffer(Buffer.alloc(0))).int(4));
      rec('createContainer', [cont.err, cont.err === 0 ? [cont.body.ustring(), readStat(cont.body)] : null]);
      const badCont = await r.request(19, (w) => openAcl(w.ustring('/t/cont2').buffer(Buffer.alloc(0))).int(0));
      rec('createContainer without the container flag', badCont.err);
      const emptySeq = await r.request(1, (w) => openAcl(w.ustring('/t/s/').buffer(Buffer.alloc(0))).int(2));
      rec('sequential create with an empty name', [emptySeq.err, emptySeq.err === 0 ? emptySeq.body.ustring() : null]);
      const mr = await r.request(22, (w) => {
        w.int(4).bool(false).int(-1).ustring('/t/m2').bool(false);
        w.int(8).bool(false).int(-1).ustring('/t/s').bool(false);
        w.int(4).bool(false).int(-1).ustring('/t/missing').bool(false);
        w.int(-1).bool(true).int(-1);
      });
      const reads: unknown[] = [];
      for (let i = 0; mr.err === 0 && i < 10; i++) {
        const type = mr.body.int();
        const done = mr.body.bool();
        mr.body.int();
        if (done) break;
        if (type === -1) reads.push(`error ${mr.body.int()}`);
        else if (type === 4) reads.push([mr.body.buffer()?.toString(), readStat(mr.body).version]);
        else reads.push(mr.body.strings().sort());
      }
      rec('multiRead', [mr.err, reads]);
      const noAcl = await r.request(1, (w) => w.ustring('/t/noacl').buffer(Buffer.alloc(0)).int(0).int(0));
      rec('create with an empty ACL', noAcl.err);
      /** create (1) with data 'd', setData (5) to 'e', delete (2): raw ops, errors recorded. */
      const writeOps = async (ops: readonly (readonly [1 | 2 | 5, string])[]): Promise<void> => {
        for (const [type, path] of ops) {
          const res = await r.request(type, (w) => {
            w.ustring(path);
            if (type === 1) openAcl(w.buffer(Buffer.from('d'))).int(0);
            else if (type === 5) w.buffer(Buffer.from('e')).int(-1);
            else w.int(-1);
          });
          if (res.err !== 0) rec(`op ${type} ${path}`, res.err);
        }
      };
      const aw = await r.request(106, (w) => w.ustring('/t/pr').int(1));
      rec('addWatch persistent recursive', aw.err);
      await writeOps([[1, '/t/pr'], [1, '/t/pr/x'], [5, '/t/pr/x'], [2, '/t/pr/x'], [1, '/t/pr/y']]);
      await eventually(async () => r.events.length, (n) => n >= 5, 5000);
      rec('persistent recursive events', r.events.map((e) => `${e.type}@${e.path}`));
      const before = r.events.length;
      rec('addWatch persistent', (await r.request(106, (w) => w.ustring('/t/pw').int(0))).err);
      await writeOps([[1, '/t/pw'], [1, '/t/pw/c'], [5, '/t/pw'], [2, '/t/pw/c']]);
      await eventually(async () => r.events.length - before, (n) => n >= 4, 5000);
      rec('persistent events', r.events.slice(before).map((e) => `${e.type}@${e.path}`));
      const beforeRemove = r.events.length;
      rec('getData with a watch', (await r.request(4, (w) => w.ustring('/t/m2').bool(true))).err);
      rec('checkWatches data', (await r.request(17, (w) => w.ustring('/t/m2').int(2))).err);
      rec('checkWatches children (none set)', (await r.request(17, (w) => w.ustring('/t/m2').int(1))).err);
      rec('removeWatches data', (await r.request(18, (w) => w.ustring('/t/m2').int(2))).err);
      rec('removeWatches data again', (await r.request(18, (w) => w.ustring('/t/m2').int(2))).err);
      rec('removeWatches children (none set)', (await r.request(18, (w) => w.ustring('/t/m2').int(1))).err);
      rec('setData after removeWatches', (await r.request(5, (w) => w.ustring('/t/m2').buffer(Buffer.from('z')).int(-1))).err);
      await sleep(300);
      rec('no event after removeWatches', r.events.slice(beforeRemove).map((e) => `${e.type}@${e.path}`));
    } finally {
      await r.close();
    }

    // ---- ephemerals: gone at once on close ----
    const e1 = await Zk.connect(at(1));
    value(await e1.create('/t/eph1', '', Mode.EPHEMERAL));
    await eventually(() => a.exists('/t/eph1'), (x) => x.ok && x.value !== null);
    e1.close();
    rec('ephemeral gone after close', (await eventually(() => a.exists('/t/eph1'), (x) => x.ok && x.value === null)).value);

    // ---- ephemerals: gone after the session expires, not before ----
    const v = await RawZk.connect(at(1), opts.expiryTimeoutMs);
    const negotiated = v.timeoutMs;
    rec('negotiated timeout', negotiated);
    const ce = await v.request(1, (w) => openAcl(w.ustring('/t/eph2').buffer(Buffer.alloc(0))).int(1));
    rec('create ephemeral on the vanishing session', ce.err);
    await eventually(() => a.exists('/t/eph2'), (x) => x.ok && x.value !== null);
    v.vanish();
    const vanishedAt = Date.now();
    await sleep(Math.floor(negotiated / 2));
    rec('ephemeral still there at half the timeout', (await a.exists('/t/eph2')).ok);
    const gone = await eventually(() => a.exists('/t/eph2'), (x) => x.ok && x.value === null, 4 * negotiated + 10_000);
    const lifetime = Date.now() - vanishedAt;
    rec('ephemeral gone after the timeout', gone.value.ok && gone.value.value === null && lifetime >= negotiated * 0.9);

    // ---- a client resumes its session on another server ----
    const r1 = await RawZk.connect(at(0), 10_000);
    const ce3 = await r1.request(1, (w) => openAcl(w.ustring('/t/eph3').buffer(Buffer.alloc(0))).int(1));
    rec('create ephemeral before moving', ce3.err);
    const idBuf = Buffer.alloc(8);
    idBuf.writeBigInt64BE(r1.sessionId);
    const password = Buffer.from(r1.password);
    r1.vanish();
    const moved = await Zk.connect(at(1), { timeoutMs: 10_000, session: { id: idBuf, password } });
    extra.push(moved);
    rec('same session after moving', moved.session().id.equals(idBuf));
    // This npm client cannot carry the raw client's last zxid, so the new server may lag behind the create.
    rec('its ephemeral is still there', (await eventually(() => moved.exists('/t/eph3'), (x) => x.ok && x.value !== null)).value);
    let wrong: string;
    try {
      const z = await Zk.connect(at(2), { session: { id: idBuf, password: Buffer.alloc(16, 1) } });
      z.close();
      wrong = 'connected';
    } catch (e) {
      wrong = (e as Error).message;
    }
    rec('resume with a wrong password', wrong);

    // ---- recipes ----
    const lockers = await Promise.all([0, 1, 2].map((i) => Zk.connect(at(i))));
    extra.push(...lockers);
    rec('lock recipe', await lockRecipe(lockers));
    const voters = await Promise.all([0, 1, 2].map((i) => Zk.connect(at(i))));
    extra.push(...voters);
    rec('election recipe', await electionRecipe(voters));
  } finally {
    a.close();
    b.close();
    for (const c of extra) c.close();
  }
  return out;
}

