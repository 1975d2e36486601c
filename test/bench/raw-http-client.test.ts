// The load generator's lean HTTP/1.1 client: response framing (Content-Length, chunked, partial
// input, bad input) and a round trip against Node's own http server, keep-alive included.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { chunkedEnd, RawHttpConnection, requestBytes, responseEnd } from '../../bench/_raw-http-client.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('responseEnd', () => {
  it('finds the end of a Content-Length response, and waits for a partial one', () => {
    const r = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    expect(responseEnd(b(r))).toEqual({ end: r.length, status: 200 });
    expect(responseEnd(b(r.slice(0, -1)))).toBeUndefined();
    expect(responseEnd(b(r.slice(0, 20)))).toBeUndefined();
  });
  it('reads the status and a header in any case', () => {
    const r = 'HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n';
    expect(responseEnd(b(r))).toEqual({ end: r.length, status: 404 });
  });
  it('finds the end of a chunked body, trailers or none', () => {
    const r = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\n\r\n';
    expect(responseEnd(b(r))).toEqual({ end: r.length, status: 200 });
    expect(responseEnd(b(r.slice(0, -2)))).toBeUndefined();
    const t = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n';
    expect(responseEnd(b(t))).toEqual({ end: t.length, status: 200 });
    expect(chunkedEnd(b('5\r\nhel'), 0)).toBe(-1);
  });
  it('rejects what it cannot frame', () => {
    expect(() => responseEnd(b('SSH-2.0\r\n\r\n'))).toThrow(/not an HTTP/);
    expect(() => responseEnd(b('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody'))).toThrow(/Content-Length/);
    expect(() => responseEnd(b('HTTP/1.1 100 Continue\r\n\r\n'))).toThrow(/100/);
    expect(() => responseEnd(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/chunk size/);
    expect(() => responseEnd(Buffer.alloc(70 * 1024, 65))).toThrow(/too large/);
  });
});

describe('RawHttpConnection', () => {
  it('carries requests one after another on one connection, bodies intact', async () => {
    const seen: { method: string; url: string; body: string; sock: unknown }[] = [];
    const server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(parts).toString(), sock: req.socket });
        if (req.url === '/chunked') {
          res.write('a');
          res.end('b');
        } else res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const conn = new RawHttpConnection('127.0.0.1', port);
    const send = (path: string, body: string) =>
      new Promise<number>((resolve, reject) => conn.send(requestBytes('PUT', `127.0.0.1:${port}`, path, body), (e, s) => (e ? reject(e) : resolve(s))));
    try {
      expect(await send('/v1/kv/a', 'x'.repeat(300))).toBe(200);
      expect(await send('/chunked', '')).toBe(200);
      expect(await send('/v1/kv/b', 'y')).toBe(200);
      expect(seen.map((s) => [s.method, s.url, s.body.length])).toEqual([['PUT', '/v1/kv/a', 300], ['PUT', '/chunked', 0], ['PUT', '/v1/kv/b', 1]]);
      expect(seen[0]!.sock).toBe(seen[2]!.sock); // keep-alive: one connection
    } finally {
      conn.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
  it('fails the request when the server closes the connection, and reconnects for the next', async () => {
    let n = 0;
    const server = http.createServer((req, res) => {
      if (n++ === 0) req.socket.destroy();
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const conn = new RawHttpConnection('127.0.0.1', port);
    const send = () => new Promise<number>((resolve, reject) => conn.send(requestBytes('GET', 'h', '/', ''), (e, s) => (e ? reject(e) : resolve(s))));
    try {
      await expect(send()).rejects.toThrow();
      expect(await send()).toBe(200);
    } finally {
      conn.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
