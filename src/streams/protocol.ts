/**
 * The live-stream wire protocol: connection parameters, the messages the server sends,
 * and the close codes. Documented in docs/speech.md.
 */
import { z } from 'zod';
import type { Evidence, Scores } from '../moderation';

export const StreamParamsSchema = z.object({
  /** What a `block` does: `close` ends the stream (code 4001); `mute` keeps it open and marks chunks to drop. */
  on_block: z.enum(['close', 'mute']).default('close'),
  /** Audio streams: the language spoken (BCP-47); defaults to SPEECH_DEFAULT_LANGUAGE. */
  language: z.string().regex(/^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|und)$/).optional(),
  /** Audio streams: `pcm` (s16le 16 kHz mono), or one continuous Opus stream in WebM (MediaRecorder) or Ogg, cut anywhere. */
  format: z.enum(['pcm', 'webm', 'ogg']).default('pcm'),
});
export type StreamParams = z.infer<typeof StreamParamsSchema>;

/** Client control messages (text frames on the audio stream; `end` on both). */
export const ControlSchema = z.object({ type: z.literal('end') });

export type Action = 'none' | 'mute' | 'close';

export interface VerdictMessage {
  type: 'verdict';
  /** Text: the chunk's number (from 0). Audio: the number of the transcribed utterance. */
  seq: number;
  decision: 'pass' | 'review' | 'block';
  reasons: string[];
  /** Categories scoring above zero in the window. */
  scores: Partial<Scores>;
  /** Text spans in offsets of the whole stream; audio evidence adds `timeRangeMs` in stream time. */
  evidence: Evidence[];
  /** What the server does (or asks the client to do) about this chunk. */
  action: Action;
  /** Server time from receiving the chunk (audio: the audio of the utterance's last word, or the segment's close) to sending this. */
  latencyMs: number;
  /** Text: [start, end) of this chunk in stream offsets. Audio: the utterance's (segment's) time range in ms. */
  range?: [number, number];
  /** Audio: the recognised words of the utterance. */
  transcript?: string;
}

export const CLOSE = {
  normal: 1000,
  unsupported: 1003,
  /** Compressed audio that ffmpeg cannot decode. */
  invalidData: 1007,
  /** The client sends faster than verdicts can be made. */
  tooFast: 1008,
  tooBig: 1009,
  internal: 1011,
  /** A `block` verdict with `on_block=close`; the reason names the first blocking reason. */
  blocked: 4001,
} as const;

/** Keep only categories with a signal, so per-chunk messages stay small. */
export function nonZeroScores(scores: Scores): Partial<Scores> {
  return Object.fromEntries(Object.entries(scores).filter(([, v]) => v > 0.001).map(([k, v]) => [k, Math.round(v * 1000) / 1000])) as Partial<Scores>;
}
