/** A word, number or punctuation mark with its UTF-16 offsets in the text. */
export type Token = { text: string; start: number; end: number }

// Words keep inner apostrophes and hyphens (O'Neill, Jean-Luc); numbers and punctuation are tokens of their own.
const TOKEN = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  // exec with lastIndex rather than matchAll: no iterator, and the regex is not cloned per call.
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) tokens.push({ text: m[0], start: m.index, end: m.index + m[0].length })
  return tokens
}
