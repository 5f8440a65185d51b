import type { Purpose, Scope } from './rules';

/**
 * Plain words for the person who records the statement: what each check's outcome means to
 * them, and what they consent to. The codes stay in the API; people read sentences.
 */
const REASONS: Record<string, string> = {
  'speech.no_match': 'We could not hear the whole statement. Read every word of it, clearly, in one go.',
  'speech.wrong_code': 'The code we heard is not the code on the page. Read the digits exactly as shown.',
  'speech.negated': 'The recording says that you do not consent. That refusal is recorded.',
  'speech.undecodable': 'The recording could not be played back.',
  'speech.unknown_words': 'Some words of the statement cannot be checked by machine; a person will listen to the recording.',
  'speech.no_recognizer': 'Statements in this language are not checked by machine; a person will listen to the recording.',
  'consent.challenge_expired': 'The code had expired before the recording arrived.',
  'face.no_video': 'The recording has no video of your face.',
  'face.not_found': 'No face could be seen in the video. Face the camera in good light.',
  'face.inconsistent': 'The face in the video changed during the recording.',
  'liveness.unvalidated_model': 'A person will confirm that the video shows you, live.',
};

const CHECK_NAMES: Record<string, string> = {
  code: 'the one-time code',
  speech: 'the spoken statement',
  face: 'your face',
  liveness: 'liveness',
  attestation: 'the consent itself',
};

export function checkMessage(name: string, status: 'pass' | 'fail' | 'unverified', reason?: string): string {
  if (status === 'pass') return `OK: ${CHECK_NAMES[name] ?? name}.`;
  if (reason && REASONS[reason]) return REASONS[reason];
  if (reason?.startsWith('consent.')) return `This consent is no longer active (${reason.slice('consent.'.length)}).`;
  return status === 'fail'
    ? `The check of ${CHECK_NAMES[name] ?? name} did not pass.`
    : `A person will check ${CHECK_NAMES[name] ?? name}.`;
}

const PURPOSE_WORDS: Record<Purpose, string> = {
  image_avatar: 'an avatar made from pictures of you',
  video_avatar: 'a video avatar: a digital version of you that moves and speaks',
  voice_clone: 'a synthetic copy of your voice',
  driving: 'your voice or movement driving an avatar',
  generated_output: 'generated videos and audio that show or sound like you',
};

export const purposeWords = (p: Purpose) => PURPOSE_WORDS[p] ?? p;

export function likenessWords(scopes: readonly Scope[]): string {
  const face = scopes.includes('face');
  const voice = scopes.includes('voice');
  return face && voice ? 'your face and your voice' : face ? 'your face' : 'your voice';
}
