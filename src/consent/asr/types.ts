/**
 * The pluggable checks of a consent ceremony. A check that has no model for the case
 * at hand answers `unverified`, which sends the attestation to human review: it never
 * passes by default.
 */
export type CheckStatus = 'pass' | 'fail' | 'unverified';

export interface CheckResult {
  status: CheckStatus;
  reason?: string;
  /** The check's measure (e.g. share of words heard, cosine similarity); null when nothing was measured. */
  score: number | null;
  threshold?: number;
  evidence: Record<string, unknown>;
}

export type StatementCheck = CheckResult;

/** Did the recording say exactly the statement? One recogniser per set of languages. */
export interface StatementRecognizer {
  name: string;
  languages: readonly string[];
  check(recordingFile: string, statement: string, codeLength: number): Promise<StatementCheck>;
}
