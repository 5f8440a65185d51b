import { Readable } from 'node:stream';

/**
 * Reads the first `n` bytes of a stream (fewer if it ends) and returns them with a
 * stream that replays them followed by the rest, so sniffing never buffers the body.
 */
export async function readHead(body: Readable, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const chunks: Buffer[] = [];
  let have = 0;
  const iterator = body[Symbol.asyncIterator]();
  let done = false;
  while (have < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay() {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { head: head.subarray(0, n), rest: Readable.from(replay(), { objectMode: false }) };
}
