// A lean HTTP/1.1 keep-alive client for load generation: one TCP connection, one request at a
// time, requests written as prebuilt bytes and responses parsed just far enough to find their
// end (status line, Content-Length or chunked framing). Node's http client builds a
// ClientRequest, an IncomingMessage, a header object and several closures per request (~40 µs
// of CPU on this machine); on a 2-core box shared with the servers under test that CPU is taken
// from the servers, so a lighter client measures them more faithfully. Both systems in a
// comparison get the same client.
//
// Bounded: a response head over MAX_HEAD bytes or a body over MAX_BODY is an error, as is
// anything that is not HTTP/1.x framing this client understands (no 1xx, no close-delimited
// bodies): the connection is dropped and the request fails.
import net from 'node:net';

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 16 * 1024 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** One request's outcome: the status, or an error. */
type Done = (err: Error | undefined, status: number) => void;

/** The request bytes: request line, Host, keep-alive, Content-Length, then the body. */
export function requestBytes(method: string, host: string, path: string, body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

/** Where a chunked body ends in buf from offset at, or -1 when more bytes are needed; throws on bad framing. */
export function chunkedEnd(buf: Buffer, at: number): number {
  let i = at;
  for (let chunks = 0; chunks < 1_000_000; chunks++) {
    const eol = buf.indexOf('\r\n', i, 'latin1');
    if (eol < 0) {
      if (buf.length - i > 1024) throw new Error('chunk size line too long');
      return -1;
    }
    const size = parseInt(buf.toString('latin1', i, eol).split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0 || size > MAX_BODY) throw new Error('bad chunk size');
    if (size === 0) {
      // Trailers (none expected) end with an empty line.
      const end = buf.indexOf(CRLF2, eol, 'latin1');
      if (buf.length >= eol + 4 && buf[eol + 2] === 13 && buf[eol + 3] === 10) return eol + 4;
      return end < 0 ? -1 : end + 4;
    }
    if (buf.length < eol + 2 + size + 2) return -1;
    i = eol + 2 + size + 2;
  }
  throw new Error('too many chunks');
}

/** Where the response starting at buf[0] ends and its status, or undefined when more bytes are needed; throws on bad framing. */
export function responseEnd(buf: Buffer): { end: number; status: number } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD) throw new Error('response head too large');
    return undefined;
  }
  const head = buf.toString('latin1', 0, headEnd);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (m === null) throw new Error('not an HTTP/1.x response');
  const status = Number(m[1]);
  if (status < 200) throw new Error(`unexpected ${status} response`);
  const bodyAt = headEnd + 4;
  const lower = head.toLowerCase();
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
    const end = chunkedEnd(buf, bodyAt);
    return end < 0 ? undefined : { end, status };
  }
  const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
  if (cl === null) throw new Error('response without Content-Length or chunked framing');
  const len = Number(cl[1]);
  if (len > MAX_BODY) throw new Error('response body too large');
  return buf.length >= bodyAt + len ? { end: bodyAt + len, status } : undefined;
}

/** One keep-alive connection that carries one request at a time. */
export class RawHttpConnection {
  private sock: net.Socket | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private done: Done | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends the prebuilt request; done is called once with the status or an error. */
  send(req: Buffer, done: Done): void {
    if (this.done !== undefined) throw new Error('RawHttpConnection: one request at a time');
    this.done = done;
    if (this.sock === undefined) this.connect();
    this.sock!.write(req);
  }

  /** Fails the request in flight (e.g. after a timeout) and drops the connection. */
  abort(err: Error): void {
    this.fail(err);
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }

  private connect(): void {
    const s = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.sock = s;
    this.buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e) => this.fail(e));
    s.on('close', () => {
      if (this.sock === s) this.fail(new Error('connection closed'));
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let r: { end: number; status: number } | undefined;
    try {
      r = responseEnd(this.buf);
    } catch (e) {
      return this.fail(e as Error);
    }
    if (r === undefined) return;
    if (r.end !== this.buf.length) return this.fail(new Error('bytes after the response'));
    this.buf = Buffer.alloc(0);
    const done = this.done;
    this.done = undefined;
    done?.(undefined, r.status);
  }

  private fail(err: Error): void {
    const s = this.sock;
    this.sock = undefined;
    s?.destroy();
    const done = this.done;
    this.done = undefined;
    done?.(err, 0);
  }
}
