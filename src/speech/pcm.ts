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

/** f32 in [-1, 1] → little-endian signed 16-bit samples (clipped). */
export function f32ToS16le(pcm: Float32Array): Buffer {
  const b = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) {
    const s = Math.max(-1, Math.min(1, pcm[i]!));
    b.writeInt16LE(Math.round(s < 0 ? s * 32768 : s * 32767), i * 2);
  }
  return b;
}

/** A 16-bit mono WAV file of `pcm` (what pocketsphinx reads). */
export function wavBytes(pcm: Float32Array): Buffer {
  const data = pcm.length * 2;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data, 40);
  return Buffer.concat([h, f32ToS16le(pcm)]);
}
