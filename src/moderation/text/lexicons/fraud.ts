import type { Lexicon } from './types.js';

export const fraud: Lexicon = {
  category: 'fraud',
  groups: [
    {
      strength: 'strong',
      terms: [
        '刷单返利', '兼职刷单', '稳赚不赔', '杀猪盘', '信用卡套现', '洗钱', '跑分', '代开发票', '办假证',
        '安全账户', '冒充公检法', '恭喜您中奖', '解冻费', '资金盘', '无抵押贷款', '保本高收益', '裸聊敲诈',
        'money laundering', 'ponzi scheme', 'pyramid scheme', 'claim your prize', 'you have won',
        'double your money', 'guaranteed returns', 'fake id', 'counterfeit money', 'send bitcoin',
        'verify your account', 'wire the money', 'nigerian prince',
      ],
    },
    {
      strength: 'weak',
      terms: [
        '刷单', '日赚', '高额回报', '内幕消息', '荐股', '套现', '中奖', '领取奖金', '保证金', '传销',
        '网贷', '秒到账', '退款理赔', '点击链接', '虚拟货币投资', '高回报',
        'cash prize', 'free entry', 'account suspended', 'gift card', 'wire transfer', 'crypto investment',
        'investment opportunity', 'risk free', 'click here to claim',
      ],
    },
  ],
};
