/**
 * A bare ZooKeeper wire client for the tests: the ops node-zookeeper-client does not send
 * (sync, getChildren without stat, create2, createContainer, addWatch) and sessions the test
 * abandons without closing (a client that vanishes). Frames are jute (src/hanode/zk/jute.ts);
 * replies are matched in order, as ClientCnxn does. Every wait is bounded.
 */
import net from 'node:net';
import { FrameSplitter, JuteReader, JuteWriter } from '../../src/hanode/zk/jute.ts';

export interface RawReply {
  readonly err: number;
  readonly zxid: bigint;
  readonly body: JuteReader;
}

export interface RawEvent {
  readonly type: number;
  readonly path: string;
}

export class RawZk {
  readonly events: RawEvent[] = [];
  sessionId = 0n;
  password: Buffer = Buffer.alloc(16);
  timeoutMs = 0;
  private xid = 1;
  private readonly waiting: { xid: number; resolve: (r: RawReply) => void }[] = [];
  private onConnect: ((ok: boolean) => void) | undefined;
  private pinger: NodeJS.Timeout | undefined;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    const frames = new FrameSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const f of frames.push(chunk)) this.onFrame(new JuteReader(f));
    });
    socket.on('close', () => {
      this.closed = true;
      clearInterval(this.pinger);
      this.onConnect?.(false);
      for (const w of this.waiting.splice(0)) w.resolve({ err: -4, zxid: 0n, body: new JuteReader(Buffer.alloc(0)) });
    });
    socket.on('error', () => {});
  }

  /** Connects (a new session, or `session` to resume one); rejects when the server refuses or closes. */
  static async connect(addr: string, timeoutMs: number, session?: { id: bigint; password: Buffer }, opts: { ping?: boolean } = {}): Promise<RawZk> {
    const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
    const socket = net.connect(port, host);
    const c = new RawZk(socket);
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 10_000);
      c.onConnect = (v) => {
        clearTimeout(t);
        resolve(v);
      };
      socket.once('connect', () => {
        socket.write(new JuteWriter().int(0).long(0).int(timeoutMs).long(session?.id ?? 0n).buffer(session?.password ?? Buffer.alloc(16)).bool(false).frame());
      });
    });
    if (!ok) {
      socket.destroy();
      throw new Error(`connect to ${addr} failed`);
    }
    // As Zk.connect: authenticate with the agents' ACL token when the environment has one.
    const token = process.env.HANODE_ACL_TOKEN;
    if (token) socket.write(new JuteWriter().int(-4).int(100).int(0).ustring('digest').buffer(Buffer.from(`hanode:${token}`)).frame());
    if (opts.ping !== false) c.pinger = setInterval(() => c.socket.write(new JuteWriter().int(-2).int(11).frame()), Math.max(200, Math.floor(c.timeoutMs / 3)));
    return c;
  }

  private onFrame(r: JuteReader): void {
    if (this.onConnect) {
      r.int();
      this.timeoutMs = r.int();
      this.sessionId = r.long();
      this.password = r.buffer() ?? Buffer.alloc(16);
      const cb = this.onConnect;
      this.onConnect = undefined;
      cb(this.timeoutMs > 0);
      return;
    }
    const xid = r.int();
    const zxid = r.long();
    const err = r.int();
    if (xid === -1) {
      const type = r.int();
      r.int();
      this.events.push({ type, path: r.path() });
      return;
    }
    if (xid === -2 || xid === -4) return;
    const w = this.waiting.shift();
    if (!w || w.xid !== xid) {
      this.socket.destroy();
      return;
    }
    w.resolve({ err, zxid, body: r });
  }

  /** One request; the reply, or err -4 (connection loss) when the connection drops first. */
  request(type: number, body: (w: JuteWriter) => void = () => {}): Promise<RawReply> {
    const xid = this.xid++;
    const w = new JuteWriter().int(xid).int(type);
    body(w);
    return new Promise((resolve) => {
      if (this.closed) return resolve({ err: -4, zxid: 0n, body: new JuteReader(Buffer.alloc(0)) });
      this.waiting.push({ xid, resolve });
      this.socket.write(w.frame());
    });
  }

  /** Stops pinging and drops the TCP connection without closing the session (a client that vanished). */
  vanish(): void {
    clearInterval(this.pinger);
    this.socket.destroy();
  }

  async close(): Promise<void> {
    if (!this.closed) await this.request(-11);
    this.vanish();
  }
}

/** OPEN_ACL_UNSAFE. */
export function openAcl(w: JuteWriter): JuteWriter {
  return w.int(1).int(31).ustring('world').ustring('anyone');
}

/** Reads a Stat; the fields a transcript can compare across servers (no zxids or times). */
export function readStat(r: JuteReader): { version: number; cversion: number; dataLength: number; numChildren: number; ephemeral: boolean } {
  r.long();
  r.long();
  r.long();
  r.long();
  const version = r.int();
  const cversion = r.int();
  r.int();
  const owner = r.long();
  const dataLength = r.int();
  const numChildren = r.int();
  r.long();
  return { version, cversion, dataLength, numChildren, ephemeral: owner !== 0n };
}
