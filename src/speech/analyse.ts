/**
 * Speech moderation of one recording: VAD segments, then the transcript of the
 * recogniser for the audio's language through the text moderator, with every text
 * span mapped back to a time range. Fails closed: without a recogniser for the
 * language, or when it cannot run, the result is `review` (`asr_unavailable`), never
 * `pass`, unless nothing in the audio is speech at all.
 */
import { moderateText, zeroScores, type ModerationResult, type Policy } from '../moderation';
import { splitAtPauses, transcribeInParts } from './asr/split';
import { AsrError, type Recognizer } from './asr/types';
import { samplesToMs } from './pcm';
import { segmentsOf, type SpeechSegment } from './segmenter';
import { placeWords, spanToTimeRange, type TimedText } from './transcript';
import { speechProbabilities, VAD_FRAME_MS } from './vad';

/** Less voiced audio than this is not speech anyone could clone or be harmed by. */
export const MIN_SPEECH_MS = 300;
/** A recognised word counts as heard speech from this engine confidence up (tones decode as low-confidence "mm"). */
export const MIN_WORD_CONFIDENCE = 0.3;

export interface SpeechAnalysis {
  result: ModerationResult;
  language: string;
  segments: SpeechSegment[];
  speechMs: number;
  /** No voiced audio, or a recogniser that heard no word in it. */
  noSpeech: boolean;
  asr?: { model: { name: string; version: string }; text: string; words: number; error?: string };
}

export interface AnalyseOptions {
  language: string;
  recognizer?: Recognizer;
  policy: Policy;
  shadow?: readonly Policy[];
  /** Recogniser calls the recording may be split between, at pauses (default 1). */
  processes?: number;
  signal?: AbortSignal;
}

export async function analyseSpeech(pcm: Float32Array, opts: AnalyseOptions): Promise<SpeechAnalysis> {
  const segments = segmentsOf(await speechProbabilities(pcm), VAD_FRAME_MS);
  const speechMs = segments.reduce((s, g) => s + g.endMs - g.startMs, 0);
  const base = { language: opts.language, segments, speechMs };
  if (speechMs < MIN_SPEECH_MS) return { ...base, noSpeech: true, result: verdict('pass', 'no_speech') };
  const rec = opts.recognizer;
  if (!rec) return { ...base, noSpeech: false, result: verdict('review', 'asr_unavailable') };

  let timed: TimedText;
  try {
    const parts = splitAtPauses(segments, samplesToMs(pcm.length), opts.processes ?? 1);
    const t = await transcribeInParts(rec, pcm, parts, opts.signal);
    timed = t.words ? placeWords(t.words) : { text: t.text, words: [] };
  } catch (e) {
    if (!(e instanceof AsrError)) throw e;
    const reason = e.code === 'asr.unavailable' ? 'asr_unavailable' : 'asr_failed';
    return { ...base, noSpeech: false, result: verdict('review', reason), asr: { model: rec.model, text: '', words: 0, error: e.message } };
  }
  const asr = { model: rec.model, text: timed.text, words: timed.words.length };
  const heard = timed.words.length ? timed.words.some((w) => (w.confidence ?? 1) >= MIN_WORD_CONFIDENCE) : timed.text.trim().length > 0;
  if (!heard) return { ...base, noSpeech: true, asr, result: verdict('pass', 'no_speech') };

  const moderated = await moderateText(timed.text, opts.policy, { shadow: opts.shadow });
  const whole: [number, number] = [segments[0]!.startMs, segments.at(-1)!.endMs];
  const result: ModerationResult = {
    ...moderated,
    modality: 'audio',
    evidence: moderated.evidence.map((e) => (e.textSpan ? { ...e, timeRangeMs: spanToTimeRange(timed, e.textSpan, whole) } : e)),
  };
  return { ...base, noSpeech: false, asr, result };
}

/** A result with no scores: the reason says why nothing was (or could be) checked. */
function verdict(decision: 'pass' | 'review', reason: string): ModerationResult {
  return { modality: 'audio', scores: zeroScores(), decision, reasons: [reason], evidence: [] };
}
