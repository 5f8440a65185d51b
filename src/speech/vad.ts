/**
 * Thin adapter over the inference layer's Silero VAD (`detectSpeech`): per-frame speech
 * probabilities for whole recordings, and for live streams chunk by chunk. Segmenting
 * (hysteresis, minimum lengths) is ours, in segmenter.ts.
 */
import { detectSpeech, VAD_FRAME_SAMPLES } from '../inference';
import { samplesToMs } from './pcm';

export const VAD_FRAME_MS = samplesToMs(VAD_FRAME_SAMPLES);

/** Speech probability of every frame of a recording (a trailing partial frame is zero-padded). */
export async function speechProbabilities(pcm: Float32Array): Promise<number[]> {
  return (await detectSpeech(pcm)).frameProbabilities;
}

/**
 * `detectSpeech` starts its LSTM state from zero on every call. A stream would lose that
 * state at each chunk, so every call is primed with the frames before it (their
 * probabilities are dropped): about 0.5 s of context for one or a few new frames.
 */
const CONTEXT_FRAMES = 5;

export class StreamVad {
  private pending = new Float32Array(0);
  private context = new Float32Array(0);

  /** Appends samples; returns the probabilities of the whole frames now complete. */
  async push(pcm: Float32Array): Promise<number[]> {
    const all = concat(this.pending, pcm);
    const whole = all.length - (all.length % VAD_FRAME_SAMPLES);
    this.pending = all.slice(whole);
    if (!whole) return [];
    const fresh = all.subarray(0, whole);
    const probs = await speechProbabilities(concat(this.context, fresh));
    const contextFrames = this.context.length / VAD_FRAME_SAMPLES;
    const joined = concat(this.context, fresh);
    this.context = joined.slice(Math.max(0, joined.length - CONTEXT_FRAMES * VAD_FRAME_SAMPLES));
    return probs.slice(contextFrames);
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
