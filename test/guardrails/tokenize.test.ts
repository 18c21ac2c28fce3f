import { describe, expect, it } from 'vitest'
import { tokenize } from '../../src/guardrails/pii/ner/tokenize.js'

// The tokenizer has a fast path for ASCII text; it must cut exactly where the Unicode rule does.
const RULE = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu
const byRule = (text: string) => Array.from(text.matchAll(RULE), (m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }))

describe('tokenize', () => {
  it("keeps inner apostrophes and hyphens and splits numbers from punctuation", () => {
    expect(tokenize("O'Neill-Smith paid $1,200.50 -- at 5th Ave.").map((t) => t.text)).toEqual(["O'Neill-Smith", 'paid', '$', '1', ',', '200', '.', '50', '-', '-', 'at', '5', 'th', 'Ave', '.'])
  })

  it('cuts ASCII text exactly as the Unicode rule does, for random strings', () => {
    const alphabet = "aZ9 '-.\t\n,_x\u0000"
    let seed = 7
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    for (let n = 0; n < 500; n++) {
      const text = Array.from({ length: Math.floor(rand() * 30) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
      expect(tokenize(text)).toEqual(byRule(text))
    }
  })

  it('handles non-ASCII words', () => {
    expect(tokenize('Björgvinsdóttir lives in Zürich’s old town').map((t) => t.text)).toEqual(['Björgvinsdóttir', 'lives', 'in', 'Zürich’s', 'old', 'town'])
  })

  it('cuts non-ASCII text exactly as the Unicode rule does, for random strings', () => {
    // Letters with and without combining marks, other scripts, non-ASCII digits and spaces, the typographic
    // apostrophe, an emoji and an astral letter (surrogate pairs), and lone surrogates.
    const alphabet = ['a', 'Z', '9', ' ', "'", '-', '.', 'é', 'e\u0301', 'ß', 'Ж', '東', 'ع', '\u0663', '\u00a0', '\u3000', '’', '😀', '𝐀', '\ud800', '\udc00', '\n', '½', '\u200b']
    let seed = 11
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: Math.floor(rand() * 30) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
      expect(tokenize(text)).toEqual(byRule(text))
    }
  })
})
