/** 16 kHz mono PCM, the one format every speech component here takes. */
export const SAMPLE_RATE = 16_000;

export const samplesToMs = (n: number) => (n * 1000) / SAMPLE_RATE;
export const msToSamples = (ms: number) => Math.round((ms * SAMPLE_RATE) / 1000);

/** Little-endian signed 16-bit samples → f32 in [-1, 1). An odd trailing byte is ignored. */
export function s16leToF32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** A 16-bit mono WAV file of `pcm` (what pocketsphinx reads). */
export function wavBytes(pcm: Float32Array): Buffer {
  const data = pcm.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(SAMPLE_RATE, 24);
  b.writeUInt32LE(SAMPLE_RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < pcm.length; i++) {
    const s = Math.max(-1, Math.min(1, pcm[i]!));
    b.writeInt16LE(Math.round(s < 0 ? s * 32768 : s * 32767), 44 + i * 2);
  }
  return b;
}
