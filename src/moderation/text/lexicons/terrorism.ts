import type { Lexicon } from './types.js';

export const terrorism: Lexicon = {
  category: 'terrorism',
  groups: [
    {
      strength: 'strong',
      terms: [
        '恐怖袭击', '恐怖分子', '恐怖组织', '自杀式袭击', '人体炸弹', '制作炸弹', '炸弹制作', '自制炸药',
        '汽车炸弹', '伊斯兰国', '基地组织', '宗教极端', '暴恐', '圣战分子',
        'terrorist attack', 'suicide bomber', 'suicide bombing', 'car bomb', 'pipe bomb', 'make a bomb',
        'build a bomb', 'bomb making', 'isis', 'al qaeda', 'jihadist', 'behead', 'beheading',
      ],
    },
    {
      strength: 'weak',
      terms: [
        '恐怖主义', '极端主义', '圣战', '斩首', '爆炸物', '炸药', '雷管', '劫持人质', '引爆',
        'terrorism', 'terrorist', 'extremist', 'jihad', 'explosives', 'detonate', 'hostage', 'caliphate',
        'martyrdom',
      ],
    },
  ],
};
