import { CATEGORY_LABELS, isCategory } from '../moderation/taxonomy';

/**
 * Each stage's verdict in plain words, for the person who reviews it and, through them, for the
 * person the automated decision is about (the right to an explanation). Unknown codes fall back
 * to a sentence built from the code itself rather than to nothing.
 */
const REASONS: Record<string, string> = {
  'moderation.model_unavailable': 'A model could not run, so no machine judged this; a person must.',
  'moderation.asr_unavailable': 'No speech recogniser is installed for this language; a person must listen.',
  'moderation.no_results': 'Nothing was checked (no frames or speech found), so it cannot pass unseen.',
  'moderation.list.block': 'A word on the tenant’s block list appears.',
  'moderation.hash_match': 'It matches media already in the hash bank.',
  'pipeline.failed': 'Processing failed after every retry; the item was sent to review rather than passed.',
  'pipeline.stage_timeout': 'A check took longer than its time budget and was stopped.',
  'consent.face_unverified': 'The face could not be verified against the consent ceremony.',
  'consent.face_not_found': 'No face was found to compare with the consent ceremony.',
  'consent.face_mismatch': 'The face does not match the person who gave consent.',
  'consent.voice_unverified': 'No speaker model is installed, so the voice could not be compared with the ceremony.',
  'consent.voice_mismatch': 'The voice does not match the person who gave consent.',
  'consent.unverified': 'The consent ceremony has not been verified yet.',
  'consent.verification_review': 'The consent ceremony needs a person to judge it (liveness, or speech no recogniser could check).',
  'consent.guardian_required': 'A face looks like a minor’s and no guardian consent is on file.',
  'consent.multiple_faces': 'More than one person’s face is large enough to matter: a portrait shows exactly one person.',
  'consent.face_borderline': 'The face match score is within the review band around the threshold: compare the faces yourself.',
  'consent.estimated_minor': 'A face in the generated video is estimated under 18.',
  'consent.do_not_clone': 'A face matches the do-not-clone registry.',
  'face.multiple_faces': 'The ceremony recording shows more than one person.',
  'liveness.unvalidated_model': 'Liveness is for a person to judge: the anti-spoofing model only gives hints.',
  'speech.no_recognizer': 'No recogniser for the statement’s language: listen to check that the statement was said.',
  'speech.no_match': 'The recording did not match the required statement.',
  'speech.negated': 'The speaker negated the statement (e.g. “I do not consent”).',
  'speech.wrong_code': 'The one-time code was not said correctly.',
};

const STATUS: Record<string, string> = {
  pass: 'passed',
  review: 'needs a person',
  block: 'blocked',
  reject: 'rejected',
  skipped: 'skipped',
};

export function explainReason(code: string | null | undefined): string | null {
  if (!code) return null;
  if (REASONS[code]) return REASONS[code]!;
  // moderation.review.gambling, moderation.block.sexual: a policy threshold fired on a category.
  const parts = code.split('.');
  const last = parts.at(-1) ?? '';
  if (isCategory(last)) {
    const verdict = parts.includes('block') ? 'over the block threshold' : 'over the review threshold';
    return `${CATEGORY_LABELS[last].en}: the model’s score is ${verdict} of the policy.`;
  }
  return `${parts.join(' ').replace(/_/g, ' ')}.`;
}

export function explainStage(stage: string, status: string, reason: string | null | undefined): string {
  const head = `${stage.replace(/\./g, ' ')} ${STATUS[status] ?? status}`;
  const why = explainReason(reason);
  return why ? `${head}: ${why}` : `${head}.`;
}
