/**
 * One live audio stream (PCM s16le, 16 kHz, mono): VAD frame by frame (the `vad`
 * messages). Transcription: a recogniser with a live decoder (pocketsphinx) gets the audio
 * as it arrives and hands out utterances; any other recogniser gets our VAD segments as
 * they close (long ones every `maxSegmentMs`). Each transcript is moderated with the tail
 * of the previous ones, so a phrase cut at an utterance boundary is still caught.
 * Transport-free: messages go out through `send`, in order.
 */
import { TextStream, type TextModerator } from '../moderation';
import type { TenantPolicies } from '../moderation/store/policies';
import { AsrError, type LiveDecoder, type Recognizer, type TimedWord } from '../speech/asr/types';
import { msToSamples, s16leToF32, samplesToMs } from '../speech/pcm';
import { Segmenter, type SpeechSegment } from '../speech/segmenter';
import { placeWords, spanToTimeRange, type TimedText } from '../speech/transcript';
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
  private readonly live?: LiveDecoder;
  /** Live mode: when the audio up to each stream position arrived, to time verdicts from the words' arrival. */
  private receipts: { untilMs: number; at: number }[] = [];
  private received = 0;

  constructor(private readonly o: AudioSessionOptions) {
    this.text = new TextStream(o.moderator);
    this.live = o.recognizer?.live?.(
      (words) => this.queueLive(words),
      (e) => this.queue([0, round(samplesToMs(this.received))], performance.now(), async () => asrFailure(e)),
    );
  }

  /** One binary message of PCM. Returns after VAD; transcription continues in the background (see `drain`). */
  async push(bytes: Uint8Array, receivedAt = performance.now()): Promise<void> {
    const pcm = this.toSamples(bytes);
    this.received += pcm.length;
    if (this.live) {
      this.live.write(pcm);
      this.receipts.push({ untilMs: samplesToMs(this.received), at: receivedAt });
      if (this.receipts.length > 1200) this.receipts.splice(0, 600);
    } else this.append(pcm);
    for (const p of await this.vad.push(pcm)) {
      const closed = this.segmenter.push(p);
      if (this.live) continue;
      if (closed) this.transcribe(closed);
      else if (this.segmenter.inSpeech && this.segmenter.positionMs - (this.segmenter.openStartMs ?? 0) >= (this.o.maxSegmentMs ?? 6000)) {
        const piece = this.segmenter.split();
        if (piece) this.transcribe(piece);
      }
    }
    if (!this.segmenter.inSpeech && !this.live) this.trim(this.segmenter.positionMs - 500);
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
    if (last && !this.live) this.transcribe(last);
    await this.live?.end();
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
    this.live?.kill();
  }

  private transcribe(seg: SpeechSegment): void {
    const from = msToSamples(seg.startMs) - this.base;
    const pcm = this.audio.slice(Math.max(0, from), Math.max(0, msToSamples(seg.endMs) - this.base));
    const rec = this.o.recognizer;
    this.queue([round(seg.startMs), round(seg.endMs)], performance.now(), async (range) => {
      if (!rec) return { decision: 'review', reasons: ['asr_unavailable'] };
      try {
        return await this.judge(placeWords((await rec.transcribe(pcm)).words ?? [], seg.startMs), range);
      } catch (e) {
        if (e instanceof AsrError) return asrFailure(e);
        throw e;
      }
    });
  }

  /** Live mode: one utterance from the decoder, word times already in stream time. */
  private queueLive(words: TimedWord[]): void {
    const endMs = words.at(-1)!.endMs;
    // Latency counts from the arrival of the audio that held the last word.
    const since = this.receipts.find((r) => r.untilMs >= endMs)?.at ?? performance.now();
    this.queue([round(words[0]!.startMs), round(endMs)], since, (range) => this.judge(placeWords(words), range));
  }

  private queue(range: [number, number], since: number, make: (range: [number, number]) => Promise<Partial<VerdictMessage> & Pick<VerdictMessage, 'decision' | 'reasons'>>): void {
    const seq = this.segmentSeq++;
    this.work = this.work.then(async () => {
      if (this.stopped) return;
      const v = await make(range);
      if (this.stopped) return;
      this.o.send({ type: 'verdict', seq, range, scores: {}, evidence: [], action: 'none', ...v, latencyMs: round(performance.now() - since) });
    });
  }

  private async judge(timed: TimedText, range: [number, number]) {
    // The separator keeps the last word of one transcript from gluing onto the first of the next.
    const { active, shadow } = await this.o.policies();
    const r = await this.text.push(`${timed.text} `, active, { shadow });
    const startOfSegment = this.textOffset;
    this.textOffset += timed.text.length + 1;
    const evidence = r.evidence.map((e) =>
      e.textSpan ? { ...e, timeRangeMs: spanToTimeRange(timed, { start: e.textSpan.start - startOfSegment, end: e.textSpan.end - startOfSegment }, range) } : e,
    );
    return {
      decision: r.decision,
      reasons: r.reasons,
      scores: nonZeroScores(r.scores),
      evidence,
      action: (r.decision === 'block' ? this.o.onBlock : 'none') as Action,
      transcript: timed.text,
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

const asrFailure = (e: AsrError) => ({ decision: 'review' as const, reasons: [e.code === 'asr.unavailable' ? 'asr_unavailable' : 'asr_failed'] });
