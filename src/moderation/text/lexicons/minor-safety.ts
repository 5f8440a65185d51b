import type { Lexicon } from './types.js';

export const minorSafety: Lexicon = {
  category: 'minor_safety',
  groups: [
    {
      strength: 'strong',
      terms: ['儿童色情', '恋童', '幼女色情', '未成年色情', 'child porn', 'child pornography', 'pedophile', 'underage sex', 'lolicon', 'jailbait'],
    },
    { strength: 'weak', terms: ['幼女', '萝莉', '正太', 'preteen', 'underage'] },
  ],
};
