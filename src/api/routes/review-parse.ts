import type { z } from 'zod';
import { AppError } from '../../core/errors';

/** A JSON body checked against its schema; anything else is `request.invalid` with the issues. */
export async function parseJson<T extends z.ZodTypeAny>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new AppError('request.invalid', 'the body is not JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('request.invalid', 'invalid request body', { issues: parsed.error.issues });
  return parsed.data;
}
