import type { Lexicon } from './types.js';

export const sexual: Lexicon = {
  category: 'sexual',
  groups: [
    {
      subtype: 'porn',
      strength: 'strong',
      terms: [
        '色情', '黄色网站', '成人网站', '成人视频', '毛片', '黄片', 'a片', 'av女优', '做爱', '性交', '口交',
        '肛交', '援交', '约炮', '裸聊', '淫秽', '卖淫', '嫖娼', '自慰', '性爱视频', 'seqing', 'huangpian', 'maopian', 'zuoai', 'yuepao', 'piaochang',
        'porn', 'porno', 'pornography', 'sex tape', 'blowjob', 'handjob', 'anal sex', 'masturbate',
        'nudes', 'cumshot', 'escort service',
      ],
    },
    {
      subtype: 'porn',
      strength: 'weak',
      terms: [
        '裸照', '淫荡', '阴茎', '阴道', '性爱', '一夜情', '鸡巴', '露点', '情色',
        'sex', 'pussy', 'cock', 'tits', 'boobs', 'horny', 'orgasm', 'erotic', 'nsfw',
        'onlyfans', 'hooker', 'prostitute', 'dildo',
      ],
    },
    { subtype: 'sexy', strength: 'weak', terms: ['大尺度', '走光', 'sexy', 'lingerie', 'seductive'] },
    { subtype: 'drawn', strength: 'strong', terms: ['里番', '工口', 'h漫', 'hentai', 'rule34'] },
  ],
};
