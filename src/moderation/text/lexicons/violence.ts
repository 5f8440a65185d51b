import type { Lexicon } from './types.js';

export const violence: Lexicon = {
  category: 'violence',
  groups: [
    {
      strength: 'strong',
      terms: [
        '杀了你', '弄死你', '砍死你', '捅死你', '虐杀', '肢解', '分尸', '碎尸', '灭门', '屠杀', '枪杀', '砍人',
        '买枪', '卖枪',
        'i will kill you', 'kill you', 'going to kill', 'shoot you', 'stab you', 'massacre', 'dismember',
        'mass shooting', 'slit your throat',
      ],
    },
    {
      strength: 'weak',
      terms: [
        '杀人', '砍死', '捅死', '血腥', '行凶', '暴打', '殴打', '持刀', '枪支', '仿真枪', '管制刀具',
        '报复社会',
        'kill', 'murder', 'stab', 'gore', 'torture', 'slaughter', 'beat you', 'bloodbath', 'strangle',
        'assault',
      ],
    },
  ],
};
