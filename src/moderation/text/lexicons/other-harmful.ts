import type { Lexicon } from './types.js';

/** Self-harm and drugs: the "other harmful information" the seeds name beside the main categories. */
export const otherHarmful: Lexicon = {
  category: 'other_harmful',
  groups: [
    {
      strength: 'strong',
      terms: ['自杀方法', '怎么自杀', '割腕', '冰毒', '海洛因', '摇头丸', '卖毒品', '买毒品', 'how to kill myself', 'suicide method', 'buy cocaine', 'buy heroin', 'sell drugs'],
    },
    { strength: 'weak', terms: ['自杀', '自残', '毒品', '吸毒', '大麻', 'suicide', 'self harm', 'cut myself', 'cocaine', 'heroin', 'meth'] },
  ],
};
