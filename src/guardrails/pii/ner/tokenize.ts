/** A word, number or punctuation mark with its UTF-16 offsets in the text. */
export type Token = { text: string; start: number; end: number }

// Words keep inner apostrophes and hyphens (O'Neill, Jean-Luc); numbers and punctuation are tokens of their own.
const TOKEN = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu

const NON_ASCII = /[^\u0000-\u007f]/

/** ASCII letter, digit, whitespace (as \s) or other: the classes TOKEN distinguishes within ASCII. */
const LETTER = 1
const DIGIT = 2
const SPACE = 3
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? LETTER : c >= 48 && c <= 57 ? DIGIT : c === 32 || (c >= 9 && c <= 13) ? SPACE : 0,
)

export function tokenize(text: string): Token[] {
  if (!NON_ASCII.test(text)) return tokenizeAscii(text)
  return tokenizeUnicode(text)
}

/** The same tokens as TOKEN by a scan over char codes, each code unit's class from UNIT_CLASS (no match objects). */
function tokenizeUnicode(text: string): Token[] {
  const tokens: Token[] = []
  const n = text.length
  let i = 0
  while (i < n) {
    const start = i
    const cls = classAt(text, i)
    const width = unitWidth(text, i)
    if (cls === SPACE) {
      i += width
      continue
    }
    i += width
    if (cls === LETTER) {
      for (;;) {
        while (i < n && classAt(text, i) === LETTER) i += unitWidth(text, i)
        // An inner apostrophe or hyphen joins two letter runs (O'Neill, Jean-Luc, Zürich’s).
        const c = text.charCodeAt(i)
        if ((c === 39 || c === 45 || c === 0x2019) && i + 1 < n && classAt(text, i + 1) === LETTER) i += 1 + unitWidth(text, i + 1)
        else break
      }
    } else if (cls === DIGIT) while (i < n && classAt(text, i) === DIGIT) i += unitWidth(text, i)
    tokens.push({ text: text.slice(start, i), start, end: i })
  }
  return tokens
}

// Classes of BMP code units, filled on first sight (0 = not yet known); astral code points are
// classified by code point, cached too.
const UNIT_CLASS = new Uint8Array(65536)
const ASTRAL_CLASS = new Map<number, number>()
const IS_LETTER = /^[\p{L}\p{M}]$/u
const IS_DIGIT = /^\p{N}$/u
const IS_SPACE = /^\s$/u
const OTHER = 4

function classify(ch: string): number {
  return IS_LETTER.test(ch) ? LETTER : IS_DIGIT.test(ch) ? DIGIT : IS_SPACE.test(ch) ? SPACE : OTHER
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}

/** 2 at a surrogate pair (one code point, as the u-flag regex sees it), else 1. */
function unitWidth(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (!isHigh(c)) return 1
  const d = text.charCodeAt(i + 1)
  return d >= 0xdc00 && d <= 0xdfff ? 2 : 1
}

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c < 128) {
    const a = ASCII_CLASS[c] as number
    return a === 0 ? OTHER : a
  }
  if (unitWidth(text, i) === 2) {
    const cp = text.codePointAt(i) as number
    let k = ASTRAL_CLASS.get(cp)
    if (k === undefined) {
      k = classify(String.fromCodePoint(cp))
      if (ASTRAL_CLASS.size < 4096) ASTRAL_CLASS.set(cp, k)
    }
    return k
  }
  let k = UNIT_CLASS[c] as number
  if (k === 0) {
    k = classify(String.fromCharCode(c))
    UNIT_CLASS[c] = k
  }
  return k
}

/** The same tokens as TOKEN for ASCII text (the common case), by a scan over char codes with no match objects. */
function tokenizeAscii(text: string): Token[] {
  const tokens: Token[] = []
  const n = text.length
  let i = 0
  while (i < n) {
    const cls = ASCII_CLASS[text.charCodeAt(i)] as number
    const start = i
    if (cls === SPACE) {
      i++
      continue
    }
    if (cls === LETTER) {
      i++
      for (;;) {
        while (i < n && ASCII_CLASS[text.charCodeAt(i)] === LETTER) i++
        // An inner apostrophe or hyphen joins two letter runs (O'Neill, Jean-Luc).
        const c = text.charCodeAt(i)
        if ((c === 39 || c === 45) && i + 1 < n && ASCII_CLASS[text.charCodeAt(i + 1)] === LETTER) i += 2
        else break
      }
    } else if (cls === DIGIT) {
      i++
      while (i < n && ASCII_CLASS[text.charCodeAt(i)] === DIGIT) i++
    } else i++
    tokens.push({ text: text.slice(start, i), start, end: i })
  }
  return tokens
}

/** The reference: TOKEN's matches (what the scans above must reproduce; used by the tests). */
export function tokenizeByRule(text: string): Token[] {
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length })
  return tokens
}
