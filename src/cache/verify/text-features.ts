import type { WordRanks } from './word-ranks.js'

/**
 * What a text commits to, for checking a semantic-cache candidate: its numbers, whether it is
 * negated, its named entities and its content words (stemmed). Extracted once per text: for a
 * stored entry at insert time, for a query once per lookup.
 */
export type TextFeatures = {
  numbers: string[]
  negated: boolean
  /** Lower-cased stems of capitalised / acronym / alphanumeric tokens. */
  entities: string[]
  /** Stems of non-stop words, with the best (lowest) frequency rank among their surface forms. */
  content: Map<string, number>
  /** Every stem in the text, to look entities up in. */
  stems: Set<string>
  /** Content stems in order of first occurrence. */
  order: string[]
}

const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves may might must shall also get got can't cannot could would should ever way ways thing things someone something anyone anything best good really much many make makes made use used using one ones us let know want need like possible different difference`.split(
    /\s+/,
  ),
)

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'nowhere', 'cannot', 'hardly'])

const UNITS: Record<string, number> = {
  zero: 0, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
}
const SCALES: Record<string, number> = { hundred: 100, thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 }
const ORDINALS: Record<string, string> = {
  first: '1st', second: '2nd', third: '3rd', fourth: '4th', fifth: '5th', sixth: '6th', seventh: '7th', eighth: '8th', ninth: '9th', tenth: '10th',
}

// Words, numbers (with decimal point or thousands separators) and single symbols that carry meaning (% $ € £ + -).
const TOKEN = /\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[\p{L}\p{N}]+(?:['’][\p{L}]+)?|[%$€£+\-]/gu

/** A light stemmer: enough to match plurals and common verb forms, never produces different stems for one word. */
export function stem(word: string): string {
  let w = word.replace(/['’]s$/, '')
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`
  else if (w.length > 4 && /(?:ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2)
  else if (w.length > 3 && w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1)
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3)
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2)
  if (w.length > 3 && /([bdfgklmnprt])\1$/.test(w)) w = w.slice(0, -1)
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1)
  return w
}

function canonicalNumber(token: string): string {
  const ordinal = /(st|nd|rd|th)$/.exec(token)
  const digits = ordinal ? token.slice(0, -2) : token
  // "1,000" is a thousands separator; "1,5" and "1.5" are decimals.
  const plain = /^\d{1,3}(,\d{3})+$/.test(digits) ? digits.replace(/,/g, '') : digits.replace(',', '.')
  const value = Number(plain)
  const canonical = Number.isFinite(value) ? String(value) : plain
  return ordinal ? `${canonical}th` : canonical
}

export function extractFeatures(text: string, ranks: WordRanks): TextFeatures {
  const numbers: string[] = []
  const entities: string[] = []
  const content = new Map<string, number>()
  const stems = new Set<string>()
  const order: string[] = []
  let negations = 0
  let spoken: number | undefined
  let spokenPart = 0
  const flushSpoken = () => {
    if (spoken !== undefined || spokenPart) numbers.push(String((spoken ?? 0) + spokenPart))
    spoken = undefined
    spokenPart = 0
  }
  let sentenceStart = true
  for (const match of text.matchAll(TOKEN)) {
    const raw = match[0]
    const lower = raw.toLowerCase()
    const before = text.slice(Math.max(0, match.index - 2), match.index)
    if (/[.!?]\s*$/.test(before)) sentenceStart = true
    if (/^\d/.test(raw)) {
      flushSpoken()
      numbers.push(canonicalNumber(lower))
      sentenceStart = false
      continue
    }
    if (lower in UNITS) {
      spokenPart += UNITS[lower]!
      sentenceStart = false
      continue
    }
    if (lower in SCALES && (spokenPart || spoken !== undefined)) {
      spoken = ((spoken ?? 0) + (spokenPart || 1)) * SCALES[lower]!
      spokenPart = 0
      sentenceStart = false
      continue
    }
    flushSpoken()
    if (lower in ORDINALS) numbers.push(ORDINALS[lower]!)
    if (raw === '%' || raw === '$' || raw === '€' || raw === '£') {
      numbers.push(raw)
      continue
    }
    if (raw === '+' || raw === '-') {
      // A sign or an operator ("-5", "5 - 3", "C++" aside) changes a number; a hyphen inside a word ("state-of-the-art") does not.
      const after = text.slice(match.index + 1, match.index + 3)
      if (/^\s?\d/.test(after) && (raw === '+' || !/\p{L}$/u.test(text.slice(0, match.index)))) numbers.push(raw)
      continue
    }
    // "No, …" answering a question is an interjection, not a negation of what follows.
    const interjection = lower === 'no' && text[match.index + raw.length] === ','
    if (!interjection && (NEGATIONS.has(lower) || /n['’]t$/.test(lower))) negations++
    const s = stem(lower)
    stems.add(s)
    const isEntity =
      (!sentenceStart && /^\p{Lu}/u.test(raw) && raw !== 'I') || /^\p{Lu}{2,}$/u.test(raw) || /\p{Ll}\p{Lu}/u.test(raw) || /\p{N}/u.test(raw)
    if (isEntity) entities.push(s)
    sentenceStart = false
    if (!STOP_WORDS.has(lower) && !NEGATIONS.has(lower) && !/n['’]t$/.test(lower) && lower.length > 1) {
      const rank = ranks.get(lower) ?? ranks.get(s) ?? Number.POSITIVE_INFINITY
      if (!content.has(s)) order.push(s)
      content.set(s, Math.min(rank, content.get(s) ?? Number.POSITIVE_INFINITY))
    }
  }
  flushSpoken()
  return { numbers: numbers.sort(), negated: negations % 2 === 1, entities, content, stems, order }
}
