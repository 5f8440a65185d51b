import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Crc32 } from '@smithy/core/checksum';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../storage/aws-chunked';

/** The aws-chunked framing as the AWS SDK writes it, so the decoder is checked against that shape. */
function frame(pieces: Buffer[], trailer?: string): Buffer {
  const parts: Buffer[] = pieces.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]);
  parts.push(Buffer.from('0\r\n'));
  if (trailer) parts.push(Buffer.from(`${trailer}\r\n\r\n`));
  return Buffer.concat(parts);
}

const crc32 = async (b: Buffer) => {
  const c = new Crc32();
  c.update(b);
  return Buffer.from(await c.digest()).toString('base64');
};

const decode = (framed: Buffer, length: number, trailer?: string, split = 7) =>
  buffer(Readable.from(Array.from({ length: Math.ceil(framed.length / split) }, (_, i) => framed.subarray(i * split, (i + 1) * split))).pipe(new AwsChunkedDecoder(length, trailer)));

describe('aws-chunked decoding', () => {
  const body = Buffer.from('the quick brown fox jumps over the lazy dog, twice over: the quick brown fox');
  const pieces = [body.subarray(0, 20), body.subarray(20)];

  it('returns the plain bytes, with or without a checked trailer, however the framing is split', async () => {
    expect((await decode(frame(pieces), body.length)).equals(body)).toBe(true);
    const crc = `x-amz-checksum-crc32:${await crc32(body)}`;
    expect((await decode(frame(pieces, crc), body.length, 'x-amz-checksum-crc32', 1)).equals(body)).toBe(true);
    const sha = `x-amz-checksum-sha256:${createHash('sha256').update(body).digest('base64')}`;
    expect((await decode(frame(pieces, sha), body.length, 'x-amz-checksum-sha256', 3)).equals(body)).toBe(true);
  });

  it('refuses a wrong checksum, a missing trailer, a wrong length, a cut body and bad framing', async () => {
    await expect(decode(frame(pieces, 'x-amz-checksum-crc32:AAAAAA=='), body.length, 'x-amz-checksum-crc32')).rejects.toThrow(/does not match/);
    await expect(decode(frame(pieces), body.length, 'x-amz-checksum-crc32')).rejects.toThrow(/missing/);
    await expect(decode(frame(pieces), body.length + 1)).rejects.toThrow(/decoded-content-length/);
    await expect(decode(frame(pieces), body.length - 1)).rejects.toThrow(/more bytes/);
    await expect(decode(frame(pieces).subarray(0, 30), body.length)).rejects.toThrow(/ended early/);
    await expect(decode(Buffer.from('zz\r\nabc\r\n0\r\n'), 3)).rejects.toThrow(/size line/);
    await expect(decode(Buffer.from('3\r\nabcd\r\n0\r\n'), 3)).rejects.toThrow(/longer than its size/);
  });
});
