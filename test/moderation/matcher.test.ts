import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveHits } from '../../src/moderation/text/matcher.js';
import type { Hit } from '../../src/moderation/text/matcher.js';

const hit = (start: number, end: number, list = 'lexicon:gambling', category: Hit['info']['category'] = 'gambling'): Hit => ({
  info: { list, category, term: `${start}-${end}`, score: 0.9, viaPinyin: false },
  start,
  end,
  span: { start, end, text: '' },
});

/** The definition resolveHits implements, written the slow, obvious way. */
function reference(hits: Hit[]): Hit[] {
  const allows = hits.filter((h) => h.info.list === 'tenant-allow');
  const rest = hits.filter((h) => h.info.list !== 'tenant-allow' && !allows.some((a) => a.start <= h.start && h.end <= a.end));
  return rest.filter(
    (h) => !rest.some((o) => o !== h && o.info.category === h.info.category && o.start <= h.start && h.end <= o.end && o.end - o.start > h.end - h.start),
  );
}

const key = (hs: Hit[]) => hs.map((h) => `${h.info.list}:${h.start}-${h.end}`).sort();

describe('resolveHits', () => {
  it('drops a hit nested in a longer one of the same category, keeps other categories', () => {
    const out = resolveHits([hit(2, 4), hit(0, 4), hit(2, 4, 'lexicon:abuse', 'abuse')]);
    expect(key(out)).toEqual(['lexicon:abuse:2-4', 'lexicon:gambling:0-4']);
  });

  it('drops hits inside an allow-list hit', () => {
    const out = resolveHits([hit(3, 6), hit(0, 10, 'tenant-allow', null), hit(12, 14)]);
    expect(key(out)).toEqual(['lexicon:gambling:12-14']);
  });

  it('property: agrees with the quadratic definition', () => {
    const hitArb = fc
      .tuple(fc.nat(30), fc.integer({ min: 1, max: 8 }), fc.constantFrom('gambling', 'abuse', 'allow'))
      .map(([s, len, kind]) => (kind === 'allow' ? hit(s, s + len, 'tenant-allow', null) : hit(s, s + len, `lexicon:${kind}`, kind as 'gambling' | 'abuse')));
    fc.assert(
      fc.property(fc.array(hitArb, { maxLength: 25 }), (hs) => {
        expect(key(resolveHits(hs))).toEqual(key(reference(hs)));
      }),
    );
  });
});
