/**
 * Large answers written a slice at a time: a recurse read over megabytes builds and writes
 * its JSON in slices of STREAM_SLICE_BYTES, yielding to the event loop between slices
 * (setImmediate) and waiting for 'drain' when the socket is full, so three concurrent large
 * reads cannot hold Raft's timers for the whole encoding (they did, for seconds).
 */
import type http from 'node:http';

/** Bytes built and written per event-loop turn: a few milliseconds of JSON encoding. */
export const STREAM_SLICE_BYTES = 256 * 1024;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Writes every chunk, then ends the response; destroys it if the client goes away. */
export async function writeSliced(res: http.ServerResponse, chunks: Iterable<string>): Promise<void> {
  let slice: string[] = [];
  let sliceBytes = 0;
  const flush = async () => {
    if (slice.length === 0) return;
    const ok = res.write(slice.join(''));
    slice = [];
    sliceBytes = 0;
    if (!ok && !res.destroyed) await new Promise<void>((r) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        r();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    await nextTurn();
  };
  for (const c of chunks) {
    if (res.destroyed) return;
    slice.push(c);
    sliceBytes += c.length;
    if (sliceBytes >= STREAM_SLICE_BYTES) await flush();
  }
  await flush();
  if (!res.destroyed) res.end();
}
