import { fnv1a, fnv1aRange } from '../../fnv1a.js'
import { COUNTRIES, HONORIFICS, STREET_WORDS } from './gazetteer.js'
import type { Gazetteer } from './tagger-model.js'
import type { Token } from './tokenize.js'

/** BIO tags. (Organisations as a tag of their own were tried: cross-validated PERSON precision fell.) */
export const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ADDR', 'I-ADDR'] as const
export type Tag = (typeof TAGS)[number]

// Shapes of ASCII letter-and-digit words by their collapsed class sequence (base 4, classes 1–3), so
// the common case is a table lookup instead of building a string.
const shapeOfKey = new Map<number, string>()

/** Word shape with runs collapsed: "Björgvinsdóttir" → "Xx", "57006" → "d", "O'Neill" → "X'Xx". */
export function shape(word: string): string {
  let key = 0
  let last = 0
  let runs = 0
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i)
    const cls = code >= 65 && code <= 90 ? 1 : code >= 97 && code <= 122 ? 2 : code >= 48 && code <= 57 ? 3 : 0
    if (cls === 0) return spellShape(word)
    if (cls === last) continue
    last = cls
    if (++runs > 12) return spellShape(word)
    key = key * 4 + cls
  }
  let s = shapeOfKey.get(key)
  if (s === undefined) {
    s = spellShape(word)
    shapeOfKey.set(key, s)
  }
  return s
}

function spellShape(word: string): string {
  let out = ''
  let last = ''
  for (const ch of word) {
    const code = ch.charCodeAt(0)
    let c: string
    if (code < 128) c = code >= 65 && code <= 90 ? 'X' : code >= 97 && code <= 122 ? 'x' : code >= 48 && code <= 57 ? 'd' : ch
    else {
      // Cased letters differ from their other case; uncased letters (CJK, Arabic …) count as lowercase.
      const lo = ch.toLowerCase()
      const up = ch.toUpperCase()
      c = lo !== up ? (ch === up ? 'X' : 'x') : /\p{L}/u.test(ch) ? 'x' : /\p{N}/u.test(ch) ? 'd' : ch
    }
    if (c !== last) out += c
    last = c
  }
  return out
}

const NONE = '<none>'
// Feature names are "prefix=part|part…"; hashing the prefix once and continuing the FNV-1a state over
// the parts gives the same hash as hashing the joined string, without building it.
const seed = (prefix: string) => fnv1a(prefix)
const H = {
  bias: fnv1a('bias'), w: seed('w='), s: seed('s='), p3: seed('p3='), x2: seed('x2='), x3: seed('x3='), x4: seed('x4='), len: seed('len='),
  sPrev: seed('s-1='), sNext: seed('s+1='), sAround: seed('s-1s+1='), line0: seed('line0='), nlAfter: seed('nl-after='), g: seed('g='), gAround: seed('g-1g+1='),
  wPrev: seed('w-1='), wNext: seed('w+1='), wPrev2: seed('w-2='), wNext2: seed('w+2='), wAround: seed('w-1w+1='), wPrevPair: seed('w-2w-1='), wNextPair: seed('w+1w+2='),
  country: fnv1a('gaz=country'), street: fnv1a('gaz=street'), streetNext: fnv1a('gaz+1=street'), streetPrev: fnv1a('gaz-1=street'),
  honorificPrev: fnv1a('gaz-1=honorific'), honorificPrev2: fnv1a('gaz-2=honorific'),
  prevWordShape: seed('w-1s='), nextWordShape: seed('w+1s='),
  common: seed('cw='), commonAround: seed('cw-1cw+1='), sentStart: seed('start|cw|s='),
}
const GAZ_CODES = ['', 'F', 'L', 'FL', 'C', 'FC', 'LC', 'FLC']
const LENGTHS = Array.from({ length: 13 }, (_, n) => fnv1a(String(n), H.len))
const NL_AFTER_TRUE = fnv1a('true', H.nlAfter)
const NL_AFTER_FALSE = fnv1a('false', H.nlAfter)
const join2 = (h: number, a: string, b: string) => fnv1a(b, fnv1a('|', fnv1a(a, h)))
const join3 = (h: number, a: string, b: string, c: string) => fnv1a(c, fnv1a('|', join2(h, a, b)))
/** Whether text[from, to) holds a line break (a scan of the gap only: indexOf would run on to the next one, anywhere). */
function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true
  return false
}

/**
 * All tokens' hashed features in one array: token i's are hashes[start[i] .. start[i + 1]), and those
 * from lexicalFrom[i] on are the neighbouring words themselves. (One array, not one per token:
 * allocating small typed arrays costs more than computing the hashes.)
 */
export type TokenFeatures = { hashes: Uint32Array; start: Int32Array; lexicalFrom: Int32Array }

/** At most this many features a token (22 always, up to 7 gazetteer flags, 7 neighbouring words). */
const MAX_FEATURES_PER_TOKEN = 40

/**
 * Buffers a caller may hand to staticFeatures to be reused from call to call (the runtime tagger
 * keeps one): the result then aliases them and is valid until the next call with the same scratch.
 */
export class FeatureScratch {
  hashes = new Uint32Array(0)
  start = new Int32Array(0)
  lexicalFrom = new Int32Array(0)
  words: string[] = []
  shapes: string[] = []
  gaz: string[] = []
  /** Per token: 1 listed given name, 2 family name, 4 city-name word (bits of GAZ_CODES). */
  gazBits = new Uint8Array(0)
  /** Per token: 1 when the word is in the ordinary-words list. */
  common = new Uint8Array(0)
  reserve(n: number): void {
    if (this.gazBits.length < n) {
      this.gazBits = new Uint8Array(Math.max(n, 2 * this.gazBits.length))
      this.common = new Uint8Array(this.gazBits.length)
    }
    if (this.start.length > n) return
    const cap = Math.max(n + 1, 2 * this.start.length)
    this.hashes = new Uint32Array(cap * MAX_FEATURES_PER_TOKEN)
    this.start = new Int32Array(cap + 1)
    this.lexicalFrom = new Int32Array(cap)
  }
}

/**
 * What the features need to know about one word, computed once per distinct token text (the
 * runtime tagger caches these): the lowercased word, its shape, gazetteer code and bits, and
 * whether it is an ordinary word, a street word or an honorific.
 */
export type WordInfo = { w: string; sh: string; g: string; bits: number; common: string; street: boolean; honorific: boolean }

/** The stand-in for a neighbour beyond either end of the text. */
export const NO_WORD: WordInfo = { w: NONE, sh: NONE, g: NONE, bits: 0, common: NONE, street: false, honorific: false }

export function wordInfo(text: string, gazetteer: Gazetteer): WordInfo {
  const w = text.toLowerCase()
  // A possessive is looked up without its "'s" ("Amanda's" → "amanda").
  const end = w.length
  const possessive = end > 3 && (w.charCodeAt(end - 1) === 115) && (w.charCodeAt(end - 2) === 39 || w.charCodeAt(end - 2) === 0x2019)
  const h = possessive ? fnv1aRange(w, 0, end - 2, 0x811c9dc5) : fnv1a(w)
  const bits = (gazetteer.first.has(h) ? 1 : 0) | (gazetteer.last.has(h) ? 2 : 0) | (gazetteer.city.has(h) ? 4 : 0)
  return { w, sh: shape(text), g: GAZ_CODES[bits] as string, bits, common: gazetteer.common.has(h) ? '1' : '0', street: STREET_WORDS.has(w), honorific: HONORIFICS.has(w) }
}

// The features of a token in groups, each depending on as little as possible, so that the runtime
// can add up the weights of the word-only groups once per distinct word (see tagger.ts). Each
// writes hashes into `out` from `k` and returns the new end. staticFeatures writes all of them.

/** Features of the token's own word. */
export function emitSelf(e: WordInfo, out: Uint32Array, k: number): number {
  const w = e.w
  const sh = e.sh
  out[k++] = H.bias
  out[k++] = fnv1a(w, H.w)
  out[k++] = fnv1a(sh, H.s)
  out[k++] = fnv1aRange(w, 0, Math.min(3, w.length), H.p3)
  out[k++] = fnv1aRange(w, w.length - 2, w.length, H.x2)
  out[k++] = fnv1aRange(w, w.length - 3, w.length, H.x3)
  out[k++] = fnv1aRange(w, w.length - 4, w.length, H.x4)
  out[k++] = LENGTHS[Math.min(w.length, 12)] as number
  // Gazetteer hits with the token's shape (a capitalised listed name is telling).
  out[k++] = join2(H.g, e.g, sh)
  // Whether the word is an ordinary English word, with its shape (a capitalised non-word is likely a name).
  out[k++] = join2(H.common, e.common, sh)
  if (e.g !== '') out[k++] = fnv1a(e.g, H.g)
  if (COUNTRIES.has(w)) out[k++] = H.country
  if (e.street) out[k++] = H.street
  return k
}

/** Non-lexical features that the previous token (`e`, NO_WORD at the start) contributes on its own. */
export function emitPrev(e: WordInfo, out: Uint32Array, k: number): number {
  out[k++] = fnv1a(e.sh, H.sPrev)
  if (e.street) out[k++] = H.streetPrev
  if (e.honorific) out[k++] = H.honorificPrev
  return k
}

/** Non-lexical features that the next token contributes on its own. */
export function emitNext(e: WordInfo, out: Uint32Array, k: number): number {
  out[k++] = fnv1a(e.sh, H.sNext)
  if (e.street) out[k++] = H.streetNext
  return k
}

/**
 * The letter case of the whole text: 'lower' (no capital letter anywhere: names are not capitalised
 * either), 'upper' (no small letter), else 'mixed'. The rules (rules.ts) read it.
 */
export type TextCase = 'lower' | 'upper' | 'mixed'
export function textCaseOf(text: string): TextCase {
  let upper = false
  let lower = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 65 && c <= 90) upper = true
    else if (c >= 97 && c <= 122) lower = true
    else if (c >= 128) {
      const ch = text[i] as string
      if (ch !== ch.toLowerCase()) upper = true
      else if (ch !== ch.toUpperCase()) lower = true
    }
    if (upper && lower) return 'mixed'
  }
  return upper ? 'upper' : 'lower'
}

const SENTENCE_END = new Set(['.', '?', '!', NONE, '"', ':'])

/** Non-lexical features of the token in its context. */
export function emitContext(p2: WordInfo, p: WordInfo, e: WordInfo, nx: WordInfo, nlBefore: boolean, nlAfter: boolean, out: Uint32Array, k: number): number {
  const sh = e.sh
  // At the start of a sentence or line a capital says little; an ordinary word there is not a name.
  out[k++] = join3(H.sentStart, nlBefore || SENTENCE_END.has(p.w) ? '1' : '0', e.common, sh)
  out[k++] = join3(H.sAround, p.sh, sh, nx.sh)
  out[k++] = join2(H.line0, nlBefore ? 'true' : 'false', sh)
  out[k++] = nlAfter ? NL_AFTER_TRUE : NL_AFTER_FALSE
  out[k++] = join2(H.gAround, p.g, nx.g)
  // A neighbouring word with this token's shape ("in" + "Xx"): frames that carry over to unseen sentences.
  out[k++] = join2(H.prevWordShape, p.w, sh)
  out[k++] = join2(H.nextWordShape, nx.w, sh)
  out[k++] = join2(H.commonAround, p.common, nx.common)
  if (p2.honorific && p.w === '.') out[k++] = H.honorificPrev2
  return k
}

// Lexical features: the neighbouring words themselves (dropped at random in training).
export const emitPrevWord = (e: WordInfo, out: Uint32Array, k: number): number => ((out[k] = fnv1a(e.w, H.wPrev)), k + 1)
export const emitNextWord = (e: WordInfo, out: Uint32Array, k: number): number => ((out[k] = fnv1a(e.w, H.wNext)), k + 1)
export const emitPrev2Word = (e: WordInfo, out: Uint32Array, k: number): number => ((out[k] = fnv1a(e.w, H.wPrev2)), k + 1)
export const emitNext2Word = (e: WordInfo, out: Uint32Array, k: number): number => ((out[k] = fnv1a(e.w, H.wNext2)), k + 1)

/** Lexical features of word pairs around the token. */
export function emitContextWords(p2: WordInfo, p: WordInfo, nx: WordInfo, nx2: WordInfo, out: Uint32Array, k: number): number {
  out[k++] = join2(H.wAround, p.w, nx.w)
  out[k++] = join2(H.wPrevPair, p2.w, p.w)
  out[k++] = join2(H.wNextPair, nx.w, nx2.w)
  return k
}

/**
 * The tag-independent features of each token, already hashed. Used unchanged by the training
 * script, so a model and the runtime always agree on what a feature is (the runtime tagger adds
 * the same groups up, per distinct word where it can). The neighbouring words come last: training
 * drops them at random so that the model does not lean on the exact phrasing of the sentences it
 * saw. Without `scratch` the result owns fresh arrays.
 */
export function staticFeatures(tokens: readonly Token[], text: string, gazetteer: Gazetteer, scratch?: FeatureScratch): TokenFeatures {
  const n = tokens.length
  const own = scratch ?? new FeatureScratch()
  own.reserve(n)
  const infos: WordInfo[] = tokens.map((t) => wordInfo(t.text, gazetteer))
  own.words.length = n
  own.shapes.length = n
  own.gaz.length = n
  infos.forEach((e, i) => {
    own.words[i] = e.w
    own.shapes[i] = e.sh
    own.gaz[i] = e.g
    own.gazBits[i] = e.bits
    own.common[i] = e.common === '1' ? 1 : 0
  })
  const at = (j: number) => (j >= 0 && j < n ? (infos[j] as WordInfo) : NO_WORD)
  // Typed-array writes into a preallocated buffer: much faster than Array.push, and nothing to collect.
  const hashes = own.hashes
  const start = own.start
  const lexicalFrom = own.lexicalFrom
  let k = 0
  for (let i = 0; i < n; i++) {
    start[i] = k
    const tok = tokens[i] as Token
    const prev = tokens[i - 1]
    const next = tokens[i + 1]
    const nlBefore = prev === undefined || hasNewline(text, prev.end, tok.start)
    const nlAfter = next !== undefined && hasNewline(text, tok.end, next.start)
    const e = at(i)
    k = emitSelf(e, hashes, k)
    k = emitPrev(at(i - 1), hashes, k)
    k = emitNext(at(i + 1), hashes, k)
    k = emitContext(at(i - 2), at(i - 1), e, at(i + 1), nlBefore, nlAfter, hashes, k)
    lexicalFrom[i] = k
    k = emitPrevWord(at(i - 1), hashes, k)
    k = emitNextWord(at(i + 1), hashes, k)
    k = emitPrev2Word(at(i - 2), hashes, k)
    k = emitNext2Word(at(i + 2), hashes, k)
    k = emitContextWords(at(i - 2), at(i - 1), at(i + 1), at(i + 2), hashes, k)
  }
  start[n] = k
  if (scratch !== undefined) return { hashes: hashes.subarray(0, k), start: start.subarray(0, n + 1), lexicalFrom: lexicalFrom.subarray(0, n) }
  return { hashes: hashes.slice(0, k), start: start.slice(0, n + 1), lexicalFrom: lexicalFrom.slice(0, n) }
}

const TAG_PREV = TAGS.map((t) => fnv1a(`t-1=${t}`))
const TAG_PAIR = TAGS.map((t2) => TAGS.map((t1) => fnv1a(`t-2t-1=${t2}|${t1}`)))
const TAG_WORD = TAGS.map((t) => fnv1a(`t-1w=${t}|`))
const history = [0, 0, 0]

/** Features that depend on the tags already chosen to the left (greedy decoding). Reuses one array: consume before the next call. */
export function historyFeatures(prevTag: Tag, prev2Tag: Tag, word: string): number[] {
  const p = TAG_INDEX[prevTag]
  history[0] = TAG_PREV[p] as number
  history[1] = (TAG_PAIR[TAG_INDEX[prev2Tag]] as number[])[p] as number
  history[2] = fnv1a(word, TAG_WORD[p] as number)
  return history
}

/** The history features that depend only on the two previous tags (indices into TAGS). */
export function historyTagHashes(prev: number, prev2: number): [number, number] {
  return [TAG_PREV[prev] as number, (TAG_PAIR[prev2] as number[])[prev] as number]
}

/** The history feature of the previous tag with this (lowercased) word. */
export function historyWordHash(prev: number, word: string): number {
  return fnv1a(word, TAG_WORD[prev] as number)
}

/** An I- tag may only continue a B- or I- tag of the same type. */
export function allowed(prevTag: Tag, tag: Tag): boolean {
  return ALLOWED[TAG_INDEX[prevTag]]?.[TAG_INDEX[tag]] === 1
}

export const TAG_INDEX = Object.fromEntries(TAGS.map((t, i) => [t, i])) as Record<Tag, number>
/** ALLOWED[previous][next] as 0/1, precomputed: the decoder asks this seven times per token. */
export const ALLOWED: Uint8Array[] = TAGS.map((prev) => Uint8Array.from(TAGS, (tag) => (!tag.startsWith('I-') || (prev !== 'O' && prev.slice(2) === tag.slice(2)) ? 1 : 0)))
