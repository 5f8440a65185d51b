/**
 * Text rendered into pictures, for bench/image.ts and bench/moderation-eval.ts: the way
 * gambling and fraud adverts reach an image check (a poster, a banner across a photo, a
 * caption printed over a photo). Rendered at run time with sharp's SVG renderer and the
 * system fonts (DejaVu, WenQuanYi Micro Hei for Chinese); nothing is stored.
 */
import sharp, { type Sharp } from 'sharp';

export type Layout = 'poster' | 'banner' | 'overlay';

export interface RenderOptions {
  layout: Layout;
  /** Font family as fontconfig knows it. */
  font: string;
  /** Font size as a fraction of the picture's width (0.03 ≈ small print, 0.07 ≈ a headline). */
  size: number;
  /** Poster background (two colours: a vertical gradient) and text colour. */
  colors: { from: string; to: string; text: string };
  /** The photo under a banner or an overlay (encoded bytes); posters ignore it. */
  photo?: Uint8Array;
  width?: number;
}

/** Written here: a gambling or fraud advert each, Chinese and English, as they are typically phrased. */
export const WRITTEN_ADVERTS: readonly { text: string; category: 'gambling' | 'fraud'; lang: 'zh' | 'en' }[] = [
  { text: '线上赌场 注册即送88元 首充翻倍', category: 'gambling', lang: 'zh' },
  { text: '真人百家乐 美女荷官在线发牌 日提现无上限', category: 'gambling', lang: 'zh' },
  { text: '足球投注 最高赔率 每天返水1.5%', category: 'gambling', lang: 'zh' },
  { text: '澳门葡京娱乐城 老虎机 捕鱼 棋牌 24小时出款', category: 'gambling', lang: 'zh' },
  { text: 'ONLINE CASINO 200% WELCOME BONUS - PLAY SLOTS AND ROULETTE', category: 'gambling', lang: 'en' },
  { text: 'Bet now on football with the best odds. Free bets for new players!', category: 'gambling', lang: 'en' },
  { text: 'Live poker and blackjack tonight. Deposit 10 get 50 free spins', category: 'gambling', lang: 'en' },
  { text: '刷单兼职 日赚500元 加微信领任务', category: 'fraud', lang: 'zh' },
  { text: '恭喜您中奖 请先缴纳手续费领取奖金', category: 'fraud', lang: 'zh' },
  { text: '无抵押贷款 秒批到账 先交保证金', category: 'fraud', lang: 'zh' },
  { text: '您的账户异常 请点击链接办理退款 客服热线', category: 'fraud', lang: 'zh' },
  { text: 'Congratulations! You have won a $1000 gift card. Call now to claim your prize', category: 'fraud', lang: 'en' },
  { text: 'URGENT: your bank account is suspended. Verify your password at the link below', category: 'fraud', lang: 'en' },
  { text: 'Earn $500 a day from home! Pay a small registration fee to start today', category: 'fraud', lang: 'en' },
];

/** Written here: ordinary captions (no category), Chinese and English, for the false-positive side of text in pictures. */
export const WRITTEN_CAPTIONS: readonly { text: string; lang: 'zh' | 'en' }[] = [
  { text: '今天天气很好 我们一起去公园散步', lang: 'zh' },
  { text: '欢迎来到我们的直播间 今天介绍新款运动鞋', lang: 'zh' },
  { text: '生日快乐 祝你天天开心', lang: 'zh' },
  { text: '周末读书会 下午三点 三楼会议室', lang: 'zh' },
  { text: 'Happy birthday! See you at the party on Saturday', lang: 'en' },
  { text: 'Team photo - spring conference 2024', lang: 'en' },
  { text: 'Our new cafe opens Monday. Fresh coffee and cakes every day', lang: 'en' },
];

export const LATIN_FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'] as const;
export const CJK_FONTS = ['WenQuanYi Micro Hei', 'WenQuanYi Micro Hei Mono'] as const;
export const PALETTES = [
  { from: '#1a3d7c', to: '#0b1a36', text: '#ffd700' },
  { from: '#b00020', to: '#5a0010', text: '#ffffff' },
  { from: '#f4f1e8', to: '#d8d2c0', text: '#202020' },
  { from: '#0f5132', to: '#062616', text: '#f8f9fa' },
] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const isWide = (ch: string) => /[\u2e80-\u9fff\uff00-\uffef]/u.test(ch);

/** Greedy wrapping by estimated advance (CJK ≈ 1 em, Latin ≈ 0.6 em); CJK may break anywhere. */
function wrap(text: string, maxEm: number): string[] {
  const lines: string[] = [];
  let line = '';
  let em = 0;
  const tokens = text.match(/[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+/gu) ?? [];
  for (const t of tokens) {
    const w = [...t].reduce((s, ch) => s + (isWide(ch) ? 1 : 0.6), 0);
    if (em + w > maxEm && line.trim()) {
      lines.push(line.trim());
      line = '';
      em = 0;
      if (/^\s+$/.test(t)) continue;
    }
    line += t;
    em += w;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

/** One picture carrying `text`, as a JPEG (quality 85, as uploads usually are). */
export async function renderText(text: string, o: RenderOptions): Promise<Buffer> {
  const width = o.width ?? 800;
  const size = Math.round(width * o.size);
  const lines = wrap(text, (width * 0.9) / size);
  const lineHeight = Math.round(size * 1.3);
  const block = lines.length * lineHeight;
  let base: Sharp;
  let height: number;
  if (o.layout === 'poster' || !o.photo) {
    height = Math.max(Math.round(width * 0.5625), block + 2 * size);
    base = sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${o.colors.from}"/><stop offset="1" stop-color="${o.colors.to}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/></svg>`));
  } else {
    const { data, info } = await sharp(o.photo).resize(width).toBuffer({ resolveWithObject: true });
    height = info.height;
    base = sharp(data);
  }
  const top = o.layout === 'poster' ? Math.round((height - block) / 2) : height - block - Math.round(size * 0.8);
  const band = o.layout === 'banner' ? `<rect x="0" y="${top - size * 0.6}" width="${width}" height="${block + size * 1.2}" fill="${o.colors.from}" fill-opacity="0.85"/>` : '';
  const stroke = o.layout === 'overlay' ? ` stroke="#000" stroke-width="${Math.max(1, size / 14)}" paint-order="stroke"` : '';
  const fill = o.layout === 'overlay' ? '#ffffff' : o.colors.text;
  const tspans = lines
    .map((l, i) => `<text x="${width * 0.05}" y="${top + (i + 0.8) * lineHeight}" font-family="${o.font}" font-size="${size}" font-weight="bold" fill="${fill}"${stroke}>${esc(l)}</text>`)
    .join('');
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${band}${tspans}</svg>`);
  return base.composite([{ input: overlay, top: 0, left: 0 }]).jpeg({ quality: 85 }).toBuffer();
}

/**
 * The variants of one text: every layout, fonts for its script, sizes and palettes cycled by
 * `seed` so a set of texts covers the combinations without the product of all of them.
 */
export function variants(lang: 'zh' | 'en', seed: number, photos: readonly Uint8Array[], count: number): RenderOptions[] {
  const fonts = lang === 'zh' ? CJK_FONTS : LATIN_FONTS;
  const sizes = [0.035, 0.05, 0.07];
  const layouts: Layout[] = ['poster', 'banner', 'overlay'];
  return Array.from({ length: count }, (_, i) => {
    const k = seed + i;
    const layout = layouts[k % layouts.length]!;
    return {
      layout,
      font: fonts[k % fonts.length]!,
      size: sizes[(k >> 1) % sizes.length]!,
      colors: PALETTES[(k >> 2) % PALETTES.length]!,
      ...(layout === 'poster' || photos.length === 0 ? {} : { photo: photos[k % photos.length]! }),
      width: [640, 800, 1024][k % 3]!,
    };
  });
}
