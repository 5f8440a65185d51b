// Errors of the inference layer carry stable codes; callers map them to problem+json
// and fail closed (a check that could not run never yields `pass`).

export type InferenceErrorCode =
  | 'model.missing'
  | 'model.corrupt'
  | 'model.unknown'
  | 'inference.bad_input'
  | 'inference.worker_failed';

const REBUILD_HINT = 'run `npm run models:rebuild` to regenerate the model files from the pinned packages';

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export function modelMissing(file: string): InferenceError {
  return new InferenceError('model.missing', `model file ${file} is missing; ${REBUILD_HINT}`, file);
}

export function modelCorrupt(file: string, why: string): InferenceError {
  return new InferenceError('model.corrupt', `model file ${file} is corrupt (${why}); ${REBUILD_HINT}`, file);
}

export function badInput(message: string): InferenceError {
  return new InferenceError('inference.bad_input', message);
}
