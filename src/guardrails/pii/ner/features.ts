import { fnv1a } from '../../fnv1a.js'
import { COUNTRIES, HONORIFICS, STREET_WORDS } from './gazetteer.js'
import type { Gazetteer } from './tagger-model.js'
import type { Token } from './tokenize.js'

export const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ADDR', 'I-ADDR'] as const
export type Tag = (typeof TAGS)[number]

/** Word shape with runs collapsed: "Björgvinsdóttir" → "Xx", "57006" → "d", "O'Neill" → "X'Xx". */
export function shape(word: string): string {
  let out = ''
  let last = ''
  for (const ch of word) {
    // Cased letters differ from their other case; digits are ASCII in tokens that reach here often enough.
    const lo = ch.toLowerCase()
    const up = ch.toUpperCase()
    const c = lo !== up ? (ch === up ? 'X' : 'x') : ch >= '0' && ch <= '9' ? 'd' : /\p{L}/u.test(ch) ? 'x' : ch
    if (c !== last) out += c
    last = c
  }
  return out
}

const lower = (t: Token | undefined): string => (t === undefined ? '<none>' : t.text.toLowerCase())

/** One token's hashed features; those from `lexicalFrom` on are the neighbouring words themselves. */
export type TokenFeatures = { all: Uint32Array; lexicalFrom: number }

/**
 * The tag-independent features of each token, already hashed. Used unchanged by the training
 * script, so a model and the runtime always agree on what a feature is. The neighbouring words
 * come last: training drops them at random so that the model does not lean on the exact phrasing
 * of the sentences it saw.
 */
export function staticFeatures(tokens: readonly Token[], text: string, gazetteer: Gazetteer): TokenFeatures[] {
  const words = tokens.map((t) => t.text.toLowerCase())
  const shapes = tokens.map((t) => shape(t.text))
  const gaz = words.map((w) => {
    const h = fnv1a(w)
    return `${gazetteer.first.has(h) ? 'F' : ''}${gazetteer.last.has(h) ? 'L' : ''}${gazetteer.city.has(h) ? 'C' : ''}`
  })
  return tokens.map((tok, i) => {
    const w = words[i] ?? ''
    const prev = tokens[i - 1]
    const next = tokens[i + 1]
    const nlBefore = prev === undefined || text.slice(prev.end, tok.start).includes('\n')
    const f = [
      'bias',
      `w=${w}`,
      `s=${shapes[i]}`,
      `p3=${w.slice(0, 3)}`,
      `x2=${w.slice(-2)}`,
      `x3=${w.slice(-3)}`,
      `x4=${w.slice(-4)}`,
      `len=${Math.min(w.length, 12)}`,
      `s-1=${shapes[i - 1] ?? '<none>'}`,
      `s+1=${shapes[i + 1] ?? '<none>'}`,
      `s-1s+1=${shapes[i - 1] ?? '<none>'}|${shapes[i]}|${shapes[i + 1] ?? '<none>'}`,
      `line0=${nlBefore}|${shapes[i]}`,
      `nl-after=${next !== undefined && text.slice(tok.end, next.start).includes('\n')}`,
      // Gazetteer hits of this token and its neighbours, with the token's shape (a capitalised listed name is telling).
      `g=${gaz[i]}|${shapes[i]}`,
      `g-1g+1=${gaz[i - 1] ?? '<none>'}|${gaz[i + 1] ?? '<none>'}`,
    ]
    if (gaz[i] !== '') f.push(`g=${gaz[i]}`)
    if (COUNTRIES.has(w)) f.push('gaz=country')
    if (STREET_WORDS.has(w)) f.push('gaz=street')
    if (next !== undefined && STREET_WORDS.has(words[i + 1] ?? '')) f.push('gaz+1=street')
    if (prev !== undefined && STREET_WORDS.has(words[i - 1] ?? '')) f.push('gaz-1=street')
    if (prev !== undefined && HONORIFICS.has(words[i - 1] ?? '')) f.push('gaz-1=honorific')
    if (i >= 2 && HONORIFICS.has(words[i - 2] ?? '') && words[i - 1] === '.') f.push('gaz-2=honorific')
    const lexicalFrom = f.length
    f.push(
      `w-1=${lower(prev)}`,
      `w+1=${lower(next)}`,
      `w-2=${lower(tokens[i - 2])}`,
      `w+2=${lower(tokens[i + 2])}`,
      `w-1w+1=${lower(prev)}|${lower(next)}`,
      `w-2w-1=${lower(tokens[i - 2])}|${lower(prev)}`,
      `w+1w+2=${lower(next)}|${lower(tokens[i + 2])}`,
    )
    return { all: Uint32Array.from(f, (x) => fnv1a(x)), lexicalFrom }
  })
}

/** Features that depend on the tags already chosen to the left (greedy decoding). */
export function historyFeatures(prevTag: Tag, prev2Tag: Tag, word: string): number[] {
  return [fnv1a(`t-1=${prevTag}`), fnv1a(`t-2t-1=${prev2Tag}|${prevTag}`), fnv1a(`t-1w=${prevTag}|${word}`)]
}

/** An I- tag may only continue a B- or I- tag of the same type. */
export function allowed(prevTag: Tag, tag: Tag): boolean {
  if (!tag.startsWith('I-')) return true
  return prevTag.slice(2) === tag.slice(2) && prevTag !== 'O'
}
