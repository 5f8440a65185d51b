/** What every recogniser returns: text and, where the engine gives them, word times in the audio. */
export interface TimedWord {
  word: string;
  startMs: number;
  endMs: number;
  /** Engine confidence in [0,1] where it reports one (pocketsphinx: word posterior). */
  confidence?: number;
}

export interface Transcript {
  text: string;
  words?: TimedWord[];
}

export interface Recognizer {
  /** BCP-47 primary language this recogniser is for (`en`, `zh`, …). */
  readonly language: string;
  /** Engine and model, recorded in evidence. */
  readonly model: { name: string; version: string };
  /** 16 kHz mono f32 → transcript; word times are relative to the start of `pcm`. */
  transcribe(pcm: Float32Array, signal?: AbortSignal): Promise<Transcript>;
  /**
   * Engines that can decode a live stream as it arrives offer this: one resident decoder
   * per stream, utterances handed out as the engine finds them, word times in stream time.
   */
  live?(onWords: (words: TimedWord[]) => void, onError: (e: AsrError) => void): LiveDecoder;
  /** Engines with a start-up cost may begin paying it now, before the first recording (service start). */
  warmUp?(): void;
}

export interface LiveDecoder {
  write(pcm: Float32Array): void;
  /** Ends the input; resolves after the last utterance was handed out. */
  end(): Promise<void>;
  kill(): void;
}

export type AsrErrorCode = 'asr.unavailable' | 'asr.failed';

/** A recogniser that could not run. Callers fail closed: never `pass` on it. */
export class AsrError extends Error {
  override readonly name = 'AsrError';
  constructor(
    readonly code: AsrErrorCode,
    message: string,
  ) {
    super(message);
  }
}
