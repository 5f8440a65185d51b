/**
 * One live audio stream (PCM s16le, 16 kHz, mono): VAD frame by frame, speech segments
 * transcribed as they close (long ones every `maxSegmentMs`, so verdicts keep coming
 * during long speech), each transcript moderated with the tail of the previous ones so
 * a phrase cut by a segment boundary is still caught. Transport-free: messages go out
 * through `send`, in order.
 */
import { TextStream, type TextModerator } from '../moderation';
import type { TenantPolicies } from '../moderation/store/policies';
import { AsrError, type Recognizer } from '../speech/asr/types';
import { msToSamples, s16leToF32 } from '../speech/pcm';
import { Segmenter, type SpeechSegment } from '../speech/segmenter';
import { placeWords, spanToTimeRange } from '../speech/transcript';
import { StreamVad, VAD_FRAME_MS } from '../speech/vad';
import { nonZeroScores, type Action, type VerdictMessage } from './protocol';
import { round } from './text-session';

export interface VadMessage {
  type: 'vad';
  seq: number;
  /** Stream time after this chunk. */
  positionMs: number;
  speech: boolean;
  latencyMs: number;
}

export interface AudioSessionOptions {
  moderator: TextModerator;
  /** Asked for every segment (it is cached), so an edited tenant policy reaches open streams too. */
  policies: () => Promise<TenantPolicies>;
  /** Absent: no recogniser for the stream's language; speech segments get `review` (`asr_unavailable`). */
  recognizer?: Recognizer;
  onBlock: 'close' | 'mute';
  send: (msg: VerdictMessage | VadMessage) => void;
  maxSegmentMs?: number;
}

export class AudioStreamSession {
  private readonly vad = new StreamVad();
  private readonly segmenter = new Segmenter(VAD_FRAME_MS);
  private readonly text: TextStream;
  /** Audio kept for segments not yet transcribed; `base` is the stream sample of `audio[0]`. */
  private audio: Float32Array = new Float32Array(0);
  private base = 0;
  private chunkSeq = 0;
  private segmentSeq = 0;
  private odd?: number;
  private work: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Stream offset of the next transcript's first character in the moderated text. */
  private textOffset = 0;

  constructor(private readonly o: AudioSessionOptions) {
    this.text = new TextStream(o.moderator);
  }

  /** One binary message of PCM. Returns after VAD; transcription continues in the background (see `drain`). */
  async push(bytes: Uint8Array, receivedAt = performance.now()): Promise<void> {
    const pcm = this.toSamples(bytes);
    this.append(pcm);
    for (const p of await this.vad.push(pcm)) {
      const closed = this.segmenter.push(p);
      if (closed) this.transcribe(closed);
      else if (this.segmenter.inSpeech && this.segmenter.positionMs - (this.segmenter.openStartMs ?? 0) >= (this.o.maxSegmentMs ?? 6000)) {
        const piece = this.segmenter.split();
        if (piece) this.transcribe(piece);
      }
    }
    if (!this.segmenter.inSpeech) this.trim(this.segmenter.positionMs - 500);
    this.o.send({
      type: 'vad',
      seq: this.chunkSeq++,
      positionMs: round(this.segmenter.positionMs),
      speech: this.segmenter.inSpeech,
      latencyMs: round(performance.now() - receivedAt),
    });
  }

  /** End of stream: the open segment is transcribed, and every pending verdict is sent. */
  async end(): Promise<void> {
    const last = this.segmenter.flush();
    if (last) this.transcribe(last);
    await this.drain();
  }

  /** The recogniser in use, or null when none exists for the stream's language. */
  get asrModel(): { name: string; version: string } | null {
    return this.o.recognizer?.model ?? null;
  }

  drain(): Promise<void> {
    return this.work;
  }

  /** After a close: pending transcriptions finish without sending anything. */
  stop(): void {
    this.stopped = true;
  }

  private transcribe(seg: SpeechSegment): void {
    const from = msToSamples(seg.startMs) - this.base;
    const pcm = this.audio.slice(Math.max(0, from), Math.max(0, msToSamples(seg.endMs) - this.base));
    const seq = this.segmentSeq++;
    const closedAt = performance.now();
    this.work = this.work.then(async () => {
      if (this.stopped) return;
      const msg = await this.verdict(seq, seg, pcm, closedAt);
      if (!this.stopped) this.o.send(msg);
    });
  }

  private async verdict(seq: number, seg: SpeechSegment, pcm: Float32Array, closedAt: number): Promise<VerdictMessage> {
    const range: [number, number] = [round(seg.startMs), round(seg.endMs)];
    const base = { type: 'verdict' as const, seq, range, scores: {}, evidence: [], action: 'none' as Action };
    const rec = this.o.recognizer;
    if (!rec) return { ...base, decision: 'review', reasons: ['asr_unavailable'], latencyMs: round(performance.now() - closedAt) };
    let words;
    try {
      words = (await rec.transcribe(pcm)).words ?? [];
    } catch (e) {
      if (!(e instanceof AsrError)) throw e;
      return { ...base, decision: 'review', reasons: [e.code === 'asr.unavailable' ? 'asr_unavailable' : 'asr_failed'], latencyMs: round(performance.now() - closedAt) };
    }
    const timed = placeWords(words, seg.startMs);
    // The separator keeps the last word of one segment from gluing onto the first of the next.
    const { active, shadow } = await this.o.policies();
    const r = await this.text.push(`${timed.text} `, active, { shadow });
    const startOfSegment = this.textOffset;
    this.textOffset += timed.text.length + 1;
    const evidence = r.evidence.map((e) =>
      e.textSpan ? { ...e, timeRangeMs: spanToTimeRange(timed, { start: e.textSpan.start - startOfSegment, end: e.textSpan.end - startOfSegment }, range) } : e,
    );
    return {
      ...base,
      decision: r.decision,
      reasons: r.reasons,
      scores: nonZeroScores(r.scores),
      evidence,
      action: r.decision === 'block' ? this.o.onBlock : 'none',
      transcript: timed.text,
      latencyMs: round(performance.now() - closedAt),
    };
  }

  private toSamples(bytes: Uint8Array): Float32Array {
    // A chunk may end in the middle of a sample: carry its first byte over.
    let b = bytes;
    if (this.odd !== undefined) {
      b = new Uint8Array(bytes.length + 1);
      b[0] = this.odd;
      b.set(bytes, 1);
      this.odd = undefined;
    }
    if (b.length % 2) this.odd = b[b.length - 1];
    return s16leToF32(b);
  }

  private append(pcm: Float32Array): void {
    const next = new Float32Array(this.audio.length + pcm.length);
    next.set(this.audio);
    next.set(pcm, this.audio.length);
    this.audio = next;
  }

  /** Drops audio before `ms` (stream time): nothing before it can belong to a future segment. */
  private trim(ms: number): void {
    const cut = msToSamples(Math.max(0, ms)) - this.base;
    if (cut <= 0) return;
    this.audio = this.audio.slice(Math.min(cut, this.audio.length));
    this.base += cut;
  }
}
