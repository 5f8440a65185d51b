/**
 * Throughput and memory of the chunked AES-256-GCM streams (storage/encryption.ts) on a
 * 256 MiB stream: `npx tsx test/consent/child-data-speed.ts`. Prints one line per run.
 * The peak RSS includes the Node/tsx baseline; it stays far below the stream's size
 * because nothing holds more than a few chunks.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecryptStream, EncryptStream } from '../../storage/encryption';

const MiB = 256;
const total = MiB * 1024 * 1024;
const block = randomBytes(1 << 20);
const key = randomBytes(32);
let peak = 0;
const source = () => {
  let n = 0;
  return new Readable({
    read() {
      if (n >= total) return this.push(null);
      n += block.length;
      this.push(block);
    },
  });
};
const sink = () =>
  new Writable({
    write(_c, _e, done) {
      peak = Math.max(peak, process.memoryUsage().rss);
      done();
    },
  });

async function main() {
  for (let run = 0; run < 3; run++) {
    let t0 = performance.now();
    await pipeline(source(), new EncryptStream(key, 'bench'), sink());
    const enc = performance.now() - t0;
    t0 = performance.now();
    await pipeline(source(), new EncryptStream(key, 'bench'), new DecryptStream(key, 'bench'), sink());
    const both = performance.now() - t0;
    console.log(JSON.stringify({ run, MiB, encrypt_MiB_s: Math.round(MiB / (enc / 1000)), encrypt_then_decrypt_MiB_s: Math.round(MiB / (both / 1000)) }));
  }
  console.log(JSON.stringify({ peak_rss_MiB: Math.round(peak / 2 ** 20) }));
}

void main();
