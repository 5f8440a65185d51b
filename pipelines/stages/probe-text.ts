import fs from 'node:fs/promises';
import { AppError } from '../../src/core/errors';
import type { Stage } from '../types';

/** Text items: strict UTF-8, not blank, within the character limit. */
export const probeText: Stage = {
  name: 'probe.text',
  role: 'probe',
  async run({ file, bytes: held, limits, facts }) {
    const bytes = held ?? (await fs.readFile(file));
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new AppError('media.invalid_text', 'the text is not valid UTF-8');
    }
    if (!text.trim()) throw new AppError('media.empty', 'the text is blank');
    const chars = [...text].length;
    if (chars > limits.maxTextChars) {
      throw new AppError('media.too_long', `${chars} characters is over the ${limits.maxTextChars} limit`);
    }
    if (text.includes('\u0000')) throw new AppError('media.invalid_text', 'the text contains NUL characters');
    facts.text = text;
    return { status: 'pass', evidence: { characters: chars, lines: text.split('\n').length } };
  },
};
