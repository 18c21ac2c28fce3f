import type { Detection } from '../entity-types.js'
import { COUNTRIES, HONORIFICS, STREET_WORDS } from './gazetteer.js'
import type { Token } from './tokenize.js'

/**
 * A few rules on top of the tagger, for tokens it left untagged ('O'). Each rule needs two pieces of
 * evidence (a listed name or place and a capitalised word, or a frame word and a word that is no
 * ordinary word), and its findings carry a fixed confidence (RULE_CONFIDENCE): they never override a
 * tagger span. Written from the cross-validation errors of the training side (see
 * models/pii-tagger/PROVENANCE.md), never from the held-out texts.
 *
 * - PERSON: an honorific ("Mr.", "Ms", "Dr.") followed by capitalised words; a name frame ("Hi",
 *   "said", "my name is", "partner's name", "named him", "my nephew") followed by capitalised words that are no ordinary words; two or
 *   more capitalised words in a row (an initial may sit between them) whose first is a listed given
 *   name and whose last is a listed family name ("Hilding Carlsson"); a speaker's label at the start
 *   of a line ("Koppány: …"); in a text typed all in lowercase, listed given or family names that are
 *   neither ordinary words nor place words; a capitalised word found as a name elsewhere in the same
 *   text; a single capitalised word joined by "and" or a comma to a name ("Torpy and Salinas").
 * - LOCATION: a listed country ("France", "United Kingdom", "TUNISIA"); capitalised words after "in",
 *   "to", "from", "at" that are all listed place words; capitalised words that are no ordinary words
 *   after a verb of travel or residence and its preposition ("flew to STAXROITH", "moved here from
 *   Fortaleza") or after "city", "town", "village"; a word found as a place elsewhere in the text.
 */
export const RULE_CONFIDENCE = 0.6

/** Per-token gazetteer bits, as features.ts computes them: 1 given name, 2 family name, 4 city word. */
export const GIVEN = 1
export const FAMILY = 2
export const CITY = 4

const PLACE_FRAMES = new Set(['in', 'to', 'from', 'at', 'near', 'visit', 'visited', 'visiting', 'into'])
/** Verbs of travel and residence: "flew to X", "arrived at X", "moved here from X", "born in X". */
const MOVE_VERBS = new Set(
  `flew fly flying travelled traveled travel travelling traveling moved move moving arrived arrive arriving went go going drove drive
came come coming returned return returning live lives lived living born based relocated relocate headed heading here am m originally`.split(/\s+/),
)
export const COUNTRY_PAIRS = new Set(['united kingdom', 'united states', 'new zealand', 'south africa', 'costa rica', 'sri lanka', 'saudi arabia', 'united arab', 'el salvador', 'czech republic', 'dominican republic', 'puerto rico', 'hong kong', 'north macedonia', 'south korea', 'north korea', 'new caledonia'])
/** "home city Assen", "the village of Fala" (the "of" is skipped by the caller's frame). */
const PLACE_NOUNS = new Set(['city', 'town', 'village', 'capital', 'county', 'province', 'region', 'state'])
/** Words after which a person's name is expected: "Hi Freddy,", "said Erle", "She named him Timmie". */
/** Right after the word "name" ("my partner's name Nicodemus", "my name is X", "name: X") or after "named him", "called her". */
function afterName(words: readonly string[], i: number): boolean {
  const prev = words[i - 1]
  const before = words[i - 2]
  return prev === 'name' || (before === 'name' && (prev === 'is' || prev === ':')) || ((prev === 'him' || prev === 'her') && (before === 'named' || before === 'called'))
}
const NAME_FRAMES = new Set([
  'hi', 'hello', 'hey', 'dear', 'said', 'says', 'asked', 'asks', 'named', 'called', 'thanks', 'regards', 'sincerely', 'cheers', 'love',
  // Kin and companions: "my kid Tadzio", "her husband Arvo".
  'son', 'daughter', 'kid', 'child', 'wife', 'husband', 'partner', 'friend', 'mother', 'father', 'mom', 'dad', 'brother', 'sister',
  'boss', 'colleague', 'cousin', 'uncle', 'aunt', 'nephew', 'niece', 'grandson', 'granddaughter', 'girlfriend', 'boyfriend', 'fiancé', 'fiancée',
])
const NEVER_NAME = new Set(
  `i you he she it we they me him her us my your his its our their what when where who why how which the a an this that these those and or but
if so then hi hello hey thanks thank please yes no ok dear phone email address name date street road monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november december`.split(/\s+/),
)

/** "Xx", "X'Xx", "Xx-Xx" (a capitalised word) or "X" of two or more letters (all capitals). */
function capitalised(tok: Token, shape: string): boolean {
  if (shape === 'Xx' || shape === "X'Xx" || shape === 'Xx-Xx' || shape === "Xx'x") return true
  return shape === 'X' && tok.text.length >= 2
}

export function ruleFindings(
  text: string,
  tokens: readonly Token[],
  tags: Uint8Array,
  words: readonly string[],
  shapes: readonly string[],
  gazBits: Uint8Array,
  common: Uint8Array,
  lowercaseText: boolean,
  out: Detection[],
): void {
  const n = tokens.length
  const free = (i: number) => i >= 0 && i < n && tags[i] === 0
  /** Tokens i and i + 1 are separated by spaces only (no line break, no punctuation). */
  const joined = (i: number) => {
    const a = tokens[i] as Token
    const b = tokens[i + 1] as Token
    for (let c = a.end; c < b.start; c++) if (text.charCodeAt(c) !== 32) return false
    return true
  }
  const cap = (i: number) => free(i) && capitalised(tokens[i] as Token, shapes[i] as string) && !NEVER_NAME.has(words[i] as string) && !STREET_WORDS.has(words[i] as string)
  const lineStart = (t: number) => {
    const a = tokens[t - 1] as Token
    const b = tokens[t] as Token
    for (let c = a.end; c < b.start; c++) if (text.charCodeAt(c) === 10) return true
    return false
  }
  const lowerName = (t: number) => common[t] === 0 && ((gazBits[t] as number) & (GIVEN | FAMILY)) !== 0 && shapes[t] === 'x'
  const push = (entity: 'PERSON' | 'LOCATION', from: number, to: number) =>
    out.push({ entity, start: (tokens[from] as Token).start, end: (tokens[to] as Token).end, score: RULE_CONFIDENCE, recognizer: 'tagger-rule' })
  // One sense per text: a capitalised word the tagger put in a PERSON or LOCATION span elsewhere in
  // the same text is that entity here too ("Nikolaj spent a year … assistant to Nikolaj Petrussen").
  const seen = new Map<string, 'PERSON' | 'LOCATION'>()
  // The tagger's spans are in text order: one walk over the tokens finds the words inside them.
  for (let t = 0, di = 0; t < n && di < out.length; t++) {
    const tok = tokens[t] as Token
    while (di < out.length && (out[di] as Detection).end <= tok.start) di++
    const d = out[di]
    if (d === undefined || (d.entity !== 'PERSON' && d.entity !== 'LOCATION') || tok.start < d.start || tok.end > d.end) continue
    if (tags[t] !== 0 && capitalised(tok, shapes[t] as string) && common[t] === 0 && !NEVER_NAME.has(words[t] as string) && !seen.has(tok.text)) seen.set(tok.text, d.entity)
  }
  // A text typed all in lowercase: after a name frame, the listed names that are no ordinary words.
  if (lowercaseText) {
    for (let t = 1; t < n; t++) {
      const pw = words[t - 1] as string
      const frame = NAME_FRAMES.has(pw) || afterName(words, t)
      // Without a frame: a listed given or family name that is neither an ordinary word nor a place word.
      const listed = lowerName(t) && ((gazBits[t] as number) & CITY) === 0
      // "my name is vitoria": after "name is", any word that is not an ordinary one.
      const named = t >= 2 && words[t - 2] === 'name' && pw === 'is' && common[t] === 0 && shapes[t] === 'x'
      if (!free(t) || !((frame && lowerName(t)) || listed || named)) continue
      let j = t
      while (j + 1 < n && j - t < 2 && joined(j) && free(j + 1) && lowerName(j + 1)) j++
      push('PERSON', t, j)
      t = j
    }
  }
  let i = 0
  while (i < n) {
    const again = free(i) ? seen.get((tokens[i] as Token).text) : undefined
    if (again !== undefined) {
      let j = i
      while (j + 1 < n && joined(j) && free(j + 1) && seen.get((tokens[j + 1] as Token).text) === again) j++
      push(again, i, j)
      i = j + 1
      continue
    }
    if (!cap(i)) {
      i++
      continue
    }
    // A run of capitalised words joined by spaces; an initial ("J" or "J.") may sit inside.
    let j = i
    for (;;) {
      if (j + 1 < n && joined(j) && cap(j + 1)) j++
      else if (j + 2 < n && joined(j) && free(j + 1) && shapes[j + 1] === 'X' && (tokens[j + 1] as Token).text.length === 1 && cap(j + 2) && joined(j + 1)) j += 2
      else if (j + 3 < n && joined(j) && free(j + 1) && shapes[j + 1] === 'X' && (tokens[j + 1] as Token).text.length === 1 && words[j + 2] === '.' && cap(j + 3)) j += 3
      else break
    }
    const prevWord = i >= 1 ? (words[i - 1] as string) : ''
    const nameFrame = NAME_FRAMES.has(prevWord) || afterName(words, i)
    const honorific = (i >= 1 && HONORIFICS.has(prevWord)) || (i >= 2 && prevWord === '.' && HONORIFICS.has(words[i - 2] as string))
    const g0 = gazBits[i] as number
    const gj = gazBits[j] as number
    if (nameFrame && common[i] === 0) push('PERSON', i, j)
    else if (honorific || (j > i && (g0 & GIVEN) !== 0 && (gj & FAMILY) !== 0)) push('PERSON', i, j)
    // A speaker's label at the start of a line ("Koppány: \"Who are you?\"").
    else if (j === i && common[i] === 0 && (i === 0 || lineStart(i)) && words[i + 1] === ':' && g0 !== CITY) push('PERSON', i, j)
    else if (j === i && COUNTRIES.has(words[i] as string) && words[i] !== 'york') push('LOCATION', i, j)
    else if (j === i + 1 && COUNTRY_PAIRS.has(`${words[i]} ${words[j]}`)) push('LOCATION', i, j)
    else if (PLACE_FRAMES.has(prevWord) && allCity(gazBits, i, j)) push('LOCATION', i, j)
    else if ((PLACE_NOUNS.has(prevWord) || (prevWord === 'of' && i >= 2 && (PLACE_NOUNS.has(words[i - 2] as string) || words[i - 2] === 'university'))) && noneCommon(common, gazBits, i, j))
      push('LOCATION', i, j)
    else if (PLACE_FRAMES.has(prevWord) && i >= 2 && MOVE_VERBS.has(words[i - 2] as string) && noneCommon(common, gazBits, i, j)) push('LOCATION', i, j)
    i = j + 1
  }
  // Coordination: "Torpy and Salinas", "Monjeau, Graves and Reed": a single capitalised word joined by
  // "and" or a comma to a person's name is a name too (when it is no ordinary word).
  const persons = out.filter((d) => d.entity === 'PERSON')
  if (persons.length === 0) return
  // Tokens already inside a finding (of any kind) stay as they are.
  const covered = new Uint8Array(n)
  for (const d of out) {
    const a = tokenAt(tokens, d.start)
    const b = tokenAt(tokens, d.end - 1)
    if (a >= 0 && b >= 0) covered.fill(1, a, b + 1)
  }
  const single = (k: number) => cap(k) && common[k] === 0 && covered[k] === 0
  const conj = (k: number) => words[k] === 'and' || words[k] === ',' || words[k] === '&'
  for (const d of persons) {
    const first = tokenAt(tokens, d.start)
    const last = tokenAt(tokens, d.end - 1)
    if (first < 0 || last < 0) continue
    for (let k = last + 1; k + 1 < n && conj(k) && single(k + 1); k += 2) {
      covered[k + 1] = 1
      push('PERSON', k + 1, k + 1)
    }
    for (let k = first - 1; k - 1 >= 0 && conj(k) && single(k - 1); k -= 2) {
      covered[k - 1] = 1
      push('PERSON', k - 1, k - 1)
    }
  }
}

/** No word of the run is an ordinary English word or a listed given name (unless also a city word). */
function noneCommon(common: Uint8Array, gazBits: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k <= to; k++) {
    const g = gazBits[k] as number
    if (common[k] === 1 || ((g & GIVEN) !== 0 && (g & CITY) === 0)) return false
  }
  return true
}

/** The index of the token that covers text offset `at` (binary search; tokens are in text order), or -1. */
function tokenAt(tokens: readonly Token[], at: number): number {
  let lo = 0
  let hi = tokens.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const t = tokens[mid] as Token
    if (t.end <= at) lo = mid + 1
    else if (t.start > at) hi = mid - 1
    else return mid
  }
  return -1
}


function allCity(gazBits: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k <= to; k++) if (((gazBits[k] as number) & CITY) === 0) return false
  return true
}
