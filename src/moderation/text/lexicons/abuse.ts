import type { Lexicon } from './types.js';

export const abuse: Lexicon = {
  category: 'abuse',
  groups: [
    {
      subtype: 'insult',
      strength: 'strong',
      terms: [
        '傻逼', '煞笔', '傻b', '草泥马', '操你妈', '你妈死了', '死全家', '狗日的', '王八蛋', '贱人', '婊子',
        '人渣', '畜生', '杂种', '你妈逼', 'shabi', 'nmsl', 'cnm', 'mlgb',
        'motherfucker', 'asshole', 'cunt', 'dickhead', 'son of a bitch', 'piece of shit', 'kill yourself',
        'kys',
      ],
    },
    {
      subtype: 'insult',
      strength: 'weak',
      terms: [
        'sb', '脑残', '智障', '白痴', '弱智', '废物', '滚蛋', '去死', '他妈的', '妈的', '尼玛', 'tmd',
        '狗东西', '蠢货',
        'fuck', 'fucking', 'shit', 'bitch', 'bastard', 'idiot', 'moron', 'stupid', 'dumb', 'loser',
        'slut', 'whore', 'hoe', 'stfu', 'retard', 'dick',
      ],
    },
    {
      subtype: 'hate',
      strength: 'strong',
      terms: ['黑鬼', '支那', 'nigger', 'faggot', 'kike', 'spic', 'chink', 'wetback', 'raghead', 'tranny'],
    },
    {
      subtype: 'hate',
      strength: 'weak',
      terms: ['死基佬', '娘炮', '小日本', '阿三', 'nigga', 'fag', 'dyke', 'go back to your country', 'savages'],
    },
    {
      subtype: 'discrimination',
      strength: 'weak',
      terms: ['女拳', '田园女权', '母狗', '残废', '低等民族', '劣等', 'inferior race', 'subhuman'],
    },
  ],
};
