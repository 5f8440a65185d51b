/**
 * Character folding tables used against visual evasion. Written for this project
 * from the Unicode charts: only look-alikes that evaders actually use in place of
 * Latin letters (Cyrillic, Greek, a few IPA letters) and the usual leetspeak.
 * Cyrillic and Greek text is not moderated as such, so folding them is safe here.
 */

export const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic
    а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't',
    у: 'y', х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ү: 'y', һ: 'h',
    // Greek
    α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u',
    χ: 'x', ω: 'w', μ: 'u',
    // IPA and Latin extensions that survive NFKD
    ɑ: 'a', ɡ: 'g', ɩ: 'i', ɪ: 'i', ʟ: 'l', ɴ: 'n', ʀ: 'r', ʏ: 'y', ᴅ: 'd', ᴇ: 'e', ᴋ: 'k',
    ᴍ: 'm', ᴏ: 'o', ᴘ: 'p', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z', ı: 'i', ł: 'l', ø: 'o',
    đ: 'd', ß: 'ss',
  }),
);

/** Digits and symbols read as letters, applied only inside tokens that contain a letter. */
export const LEET: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
    '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't', '€': 'e', '£': 'l',
  }),
);

/** Code points that render as nothing and are inserted between letters to split words. */
export const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]|\p{Mn}|\p{Me}/u;

/**
 * Punctuation that ends a clause in Chinese and English. Matching never crosses it,
 * so `我不赌，博物馆` is not read as 赌博, while spaces, dots, stars and emoji
 * placed between characters are dropped.
 */
export const HARD_BOUNDARY = /[\n\r\u2028\u2029，。！？；：、]/u;
