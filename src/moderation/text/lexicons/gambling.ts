import type { Lexicon } from './types.js';

export const gambling: Lexicon = {
  category: 'gambling',
  groups: [
    {
      strength: 'strong',
      terms: [
        '赌博', '网络赌博', '网上赌博', '赌场', '线上赌场', '网上赌场', '在线赌场', '博彩', '博彩网站',
        '百家乐', '时时彩', '老虎机', '赌球', '外围投注', '体育投注', '赌资', '娱乐城', '真人荷官',
        '荷官发牌', '澳门赌场', '炸金花', '网上开户', 'dubo', 'bocai', '注册送彩金', '首充返利', '首存送', '私彩', '赌网',
        'casino', 'online casino', 'sportsbook', 'sports betting', 'online betting', 'baccarat',
        'roulette', 'slot machine', 'free spins', 'betting site', 'gambling', 'place your bets',
      ],
    },
    {
      strength: 'weak',
      terms: [
        '下注', '押注', '彩金', '返水', '六合彩', '北京赛车', '德州扑克', '棋牌', '赌徒', '赌钱', '输光',
        '庄家', '盘口', '赔率', '注册送', '首充',
        'betting', 'gamble', 'wager', 'jackpot', 'blackjack', 'slots', 'bookie', 'bookmaker',
        'deposit bonus',
      ],
    },
  ],
};
