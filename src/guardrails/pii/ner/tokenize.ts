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
  const tokens: Token[] = []
  // exec with lastIndex rather than matchAll: no iterator, and the regex is not cloned per call.
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length })
  return tokens
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
