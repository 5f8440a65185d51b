/**
 * Transcript text with word offsets, and the way back from a character span that the
 * text moderator flagged to the time range in the audio where those words were spoken.
 * Pure.
 */
import type { TimedWord } from './asr/types';

export interface PlacedWord extends TimedWord {
  /** UTF-16 offsets of the word in the transcript text, end exclusive. */
  start: number;
  end: number;
}

export interface TimedText {
  text: string;
  words: PlacedWord[];
}

/** Joins words with single spaces (what the moderator sees), remembering where each sits. */
export function placeWords(words: readonly TimedWord[], offsetMs = 0): TimedText {
  let text = '';
  const placed: PlacedWord[] = [];
  for (const w of words) {
    if (text) text += ' ';
    placed.push({ ...w, startMs: w.startMs + offsetMs, endMs: w.endMs + offsetMs, start: text.length, end: text.length + w.word.length });
    text += w.word;
  }
  return { text, words: placed };
}

/** The time range of the words a span touches; `fallback` when no word carries times. */
export function spanToTimeRange(t: TimedText, span: { start: number; end: number }, fallback: [number, number]): [number, number] {
  const hit = t.words.filter((w) => w.start < span.end && w.end > span.start);
  if (!hit.length) return fallback;
  return [Math.min(...hit.map((w) => w.startMs)), Math.max(...hit.map((w) => w.endMs))];
}
