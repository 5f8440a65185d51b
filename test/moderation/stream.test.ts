import { beforeAll, describe, expect, it } from 'vitest';
import { TextStream } from '../../src/moderation/text/stream.js';
import { defaultTextModerator } from '../../src/moderation/text/moderator.js';
import type { TextModerator } from '../../src/moderation/text/moderator.js';

let mod: TextModerator;
beforeAll(async () => {
  mod = await defaultTextModerator();
});

describe('TextStream', () => {
  it('catches a term split across chunks, with a span in stream offsets', async () => {
    const chunks = ['大家好，欢迎来到直播间，今天带大家玩', '网络赌', '\u200b博，注册就送'];
    const stream = new TextStream(mod);
    const verdicts = [];
    for (const c of chunks) verdicts.push(await stream.push(c));
    expect(verdicts.map((v) => v.decision)).toEqual(['pass', 'pass', 'block']);
    const whole = chunks.join('');
    const ev = verdicts[2]!.evidence.find((e) => e.listEntry?.term === '网络赌博');
    expect(ev?.textSpan).toBeDefined();
    expect(whole.slice(ev!.textSpan!.start, ev!.textSpan!.end)).toBe('网络赌\u200b博');
  });

  it('does not report the same evidence again once it lies in the carried tail', async () => {
    const stream = new TextStream(mod);
    const first = await stream.push('线上赌场');
    const second = await stream.push('，今天天气不错');
    expect(first.evidence.some((e) => e.category === 'gambling')).toBe(true);
    expect(second.evidence.filter((e) => e.source === 'lexicon')).toEqual([]);
  });

  it('keeps offsets right after many chunks', async () => {
    const stream = new TextStream(mod, 16);
    let whole = '';
    let last;
    for (let i = 0; i < 30; i++) {
      const c = i === 29 ? '在线赌场' : '今天天气很好。';
      whole += c;
      last = await stream.push(c);
    }
    const span = last!.evidence.find((e) => e.category === 'gambling')?.textSpan;
    expect(span && whole.slice(span.start, span.end)).toBe('在线赌场');
  });
});
