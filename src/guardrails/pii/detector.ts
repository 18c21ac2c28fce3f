import { compileContext, type ContextScorer } from './context.js'
import type { Detection, EntityType, Recognizer } from './entity-types.js'
import { COUNTRIES, STREET_TYPES, STREET_WORDS } from './ner/gazetteer.js'
import { COUNTRY_PAIRS } from './ner/rules.js'
import { findNamedEntities } from './ner/tagger.js'
import type { TaggerModel } from './ner/tagger-model.js'
import { ANY_PLACEHOLDER } from './placeholders.js'
import { PATTERN_RECOGNIZERS } from './recognizers/index.js'

export type PiiDetector = (text: string) => Detection[]

const TAGGER_ENTITIES: readonly EntityType[] = ['PERSON', 'LOCATION', 'STREET_ADDRESS']
// Which finding wins when two overlap at the same score: the more specific pattern.
const PRIORITY = new Map<string, number>(PATTERN_RECOGNIZERS.map((r, i) => [r.entity, i]))

/**
 * Compiles a detector for the given entity types: only the recognizers they need, context regexes
 * built once. Per call it runs them, applies context words, drops findings below `minConfidence`
 * or inside the gateway's own placeholders, and resolves overlaps (higher score, then more specific, then longer).
 */
export function compilePiiDetector(opts: { entities: ReadonlySet<EntityType>; minConfidence: number; tagger: TaggerModel | undefined }): PiiDetector {
  const recognizers: Array<{ recognizer: Recognizer; context: ContextScorer }> = PATTERN_RECOGNIZERS.filter((r) => opts.entities.has(r.entity)).map(
    (recognizer) => ({ recognizer, context: compileContext(recognizer) }),
  )
  const tagger = opts.tagger !== undefined && TAGGER_ENTITIES.some((e) => opts.entities.has(e)) ? opts.tagger : undefined
  return function detectPii(text) {
    const found: Detection[] = []
    for (const { recognizer, context } of recognizers)
      for (const d of recognizer.find(text)) {
        const score = context(text, d.start, d.end, d.score)
        if (score >= opts.minConfidence) found.push({ ...d, score })
      }
    if (tagger !== undefined) found.push(...taggerFindings(tagger, text, opts.entities, opts.minConfidence))
    if (found.length === 0) return found
    return resolveOverlaps(found, placeholderSpans(text))
  }
}

/**
 * A name or place has letters. An address part is kept when it looks like one (a street word, or a
 * number beside a name: "Harjukuja 54") or lies next to a part that does: a bare postcode, a town line.
 * Alone, "C++", "Quora" or "UPSC 2018" is not an address, whatever the tagger says.
 */
function taggerFindings(tagger: TaggerModel, text: string, entities: ReadonlySet<EntityType>, minConfidence: number): Detection[] {
  const all = findNamedEntities(tagger, text).filter((d) => entities.has(d.entity) && d.score >= minConfidence)
  const hasLetters = (d: Detection) => /\p{L}/u.test(text.slice(d.start, d.end))
  const addressLike = all.filter((d) => d.entity === 'STREET_ADDRESS' && looksLikeAddress(text, d))
  const nearAddress = (d: Detection) => addressLike.some((a) => a.start - d.end < 40 && d.start - a.end < 40)
  const kept: Detection[] = []
  for (const d of all) {
    if (d.entity === 'STREET_ADDRESS' ? !nearAddress(d) : !hasLetters(d)) continue
    if (d.entity === 'PERSON' || d.entity === 'LOCATION') {
      const words = text.slice(d.start, d.end).match(SPAN_WORD)
      if (words === null) continue
      const lower = words.map((w) => w.toLowerCase().replace(/['’]s$/, ''))
      // "Koreans", "Sunnis": a people's plural is not a name either; nor is a site or a product everyone knows.
      if (lower.every((w) => FUNCTION_WORDS.has(w) || NOT_A_NAME.has(w) || BRANDS.has(w) || (w.endsWith('s') && NOT_A_NAME.has(w.slice(0, -1))))) continue
      // "GATE", "NASA": a short acronym is an exam or an agency, not a person or a town, unless it is in an
      // address (near one, or before a postcode or a country: "NO 9100", "EBEN⏎Austria") or where one arrives
      // or lives ("grew up in SUND").
      if (words.length === 1 && /^\p{Lu}{2,4}$/u.test(words[0] as string) && !COUNTRIES.has(lower[0] as string) && !inAddressOrPlaceFrame(text, d, nearAddress(d))) continue
      // "Miller Ltd", "Abt Associates", "Russell Investments is …": an organisation, whatever its first word.
      // The next word counts only capitalised: "add Laila Hansen as guardian" is a person.
      const after = NEXT_WORD.exec(text.slice(d.end, d.end + 24))?.[1]
      if (ORG_SUFFIXES.has(lower[lower.length - 1] as string) || (after !== undefined && /^\p{Lu}/u.test(after) && ORG_SUFFIXES.has(after.toLowerCase()))) continue
      // "https://www.UEarly.se/", "Blink-182": a host name or a product's, not a person's or a place's.
      if (inUrlOrEmail(text, d) || /^-\d/.test(text.slice(d.end, d.end + 2))) continue
      if (STREET_COMPOUND.test(lower[lower.length - 1] as string)) {
        if (entities.has('STREET_ADDRESS')) kept.push({ ...d, entity: 'STREET_ADDRESS' })
        continue
      }
    }
    if (d.entity === 'PERSON') {
      const lower = (text.slice(d.start, d.end).match(SPAN_WORD) ?? []).map((w) => w.toLowerCase())
      // "I work for Socrata": an employer.
      if (EMPLOYER_FRAME.test(text.slice(Math.max(0, d.start - 24), d.start))) continue
      // A listed country the tagger took for a name ("France was super fun"), or a name where one travels
      // to or comes from ("flew to Phoenix"): a place.
      if (lower.every((w) => COUNTRIES.has(w)) || COUNTRY_PAIRS.has(lower.join(' ')) || TRAVEL_FRAME.test(text.slice(Math.max(0, d.start - 24), d.start))) {
        if (entities.has('LOCATION')) kept.push({ ...d, entity: 'LOCATION' })
        continue
      }
      // A name that ends in a street word or comes before one ("Lahtinen Road", "Isaac Lodge Street"), stands
      // between a house number and a number ("808 Kálmán Imre u. 12"), or is followed by a house number and the
      // end of the phrase ("Hammarvägen 15"): a street, part of an address.
      const after = NEXT_WORD.exec(text.slice(d.end, d.end + 24))?.[1]?.toLowerCase()
      const numberBefore = /\d[ \t]*$/.test(text.slice(Math.max(0, d.start - 8), d.start))
      const houseNumberAfter = HOUSE_NUMBER_AFTER.test(text.slice(d.end, d.end + 16))
      if (STREET_TYPES.has(lower[lower.length - 1] as string) || (after !== undefined && STREET_TYPES.has(after)) || (numberBefore && after !== undefined && /^\d/.test(after)) || houseNumberAfter) {
        if (entities.has('STREET_ADDRESS')) kept.push({ ...d, entity: 'STREET_ADDRESS' })
        continue
      }
    }
    if (d.entity === 'STREET_ADDRESS' && entities.has('LOCATION')) {
      const town = trailingTown(text, d)
      if (town !== undefined) {
        kept.push({ ...d, end: town.comma }, { ...d, entity: 'LOCATION', start: town.start, end: town.end })
        continue
      }
    }
    kept.push(d)
  }
  return kept
}

function inAddressOrPlaceFrame(text: string, d: Detection, nearAddress: boolean): boolean {
  if (nearAddress || PLACE_PREPOSITION.test(text.slice(Math.max(0, d.start - 8), d.start))) return true
  const next = /^[\s,]*(\d{3,}|[\p{L}\p{M}]+)/u.exec(text.slice(d.end, d.end + 24))?.[1]
  return next !== undefined && (/^\d/.test(next) || COUNTRIES.has(next.toLowerCase()))
}

/** A street word in it or right after it ("on Isaac Lodge Street"), or a number that is not a year beside a word of four letters or more. */
function looksLikeAddress(text: string, d: Detection): boolean {
  const span = text.slice(d.start, d.end)
  const words = span.match(SPAN_WORD) ?? []
  const after = NEXT_WORD.exec(text.slice(d.end, d.end + 24))?.[1]
  if ([...words, after ?? ''].some((w) => STREET_WORDS.has(w.toLowerCase()))) return true
  const numbers = span.match(/\d+/g)
  return numbers !== null && !numbers.every((n) => /^(?:19|20)\d\d$/.test(n)) && /\p{L}{4}/u.test(span)
}

/**
 * "12 Mill Lane, Leeds": a one-line address whose one comma is followed by a town alone (letters, up to
 * three words). The tagger often reads the town as part of the address; the data it learnt from keeps
 * the town apart in 31 of 33 such addresses (the two others have more parts: "…, Cite Guedouala, Tunisia").
 */
function trailingTown(text: string, d: Detection): { comma: number; start: number; end: number } | undefined {
  const span = text.slice(d.start, d.end)
  const comma = span.indexOf(',')
  if (comma <= 0 || span.includes('\n') || !/\d|\p{L}{3}/u.test(span.slice(0, comma))) return undefined
  const m = TOWN_AFTER_COMMA.exec(span.slice(comma + 1))
  if (m === null) return undefined
  const start = d.start + comma + 1 + (m[1] as string).length
  return { comma: d.start + comma, start, end: start + (m[2] as string).replace(/\p{P}+$/u, '').length }
}
/** After the comma: spaces, then one to three words of letters, then only punctuation. */
const TOWN_AFTER_COMMA = /^(\s*)(\p{L}[\p{L}\p{M}'’.-]*(?:[ \t]+\p{L}[\p{L}\p{M}'’.-]*){0,2}?)[\s\p{P}]*$/u

/** Days, nationality and religion words: capitalised, often sentence-initial, never a person's name or a place. */
const NOT_A_NAME = new Set(
  `monday tuesday wednesday thursday friday saturday sunday there here maybe today tomorrow yesterday english french german dutch spanish
italian portuguese czech slovak polish hungarian croatian serbian slovenian greek turkish swedish danish norwegian finnish icelandic
estonian latvian lithuanian russian ukrainian romanian bulgarian irish scottish welsh british american canadian mexican brazilian
chinese japanese korean indian thai vietnamese arab arabic persian african european asian australian swiss austrian belgian atm iban nato
pakistani bangladeshi nepali israeli egyptian nigerian kenyan filipino indonesian malaysian iranian iraqi afghan syrian
islam islamic muslim hindu hinduism sikh sikhism buddhism buddhist jain jainism judaism jew jewish shia sunni catholic catholicism
protestant atheism atheist`.split(/\s+/),
)
/**
 * Sites, apps and products that everyday messages name as often as people and places, and that are
 * neither (words that are also places or common names, such as Amazon, Java or Jordan, are left out).
 */
const BRANDS = new Set(
  `google facebook instagram twitter youtube whatsapp linkedin reddit quora yahoo wikipedia netflix spotify uber airbnb paytm flipkart
snapchat tiktok telegram gmail outlook iphone ipad macbook android windows linux ubuntu excel photoshop github stackoverflow
microsoft samsung intel dell lenovo nokia xiaomi oneplus tesla pepsi coca-cola chrome firefox`.split(/\s+/),
)
/** Last words that make a name an organisation's. */
const ORG_SUFFIXES = new Set(
  `ltd llc inc corp corporation co gmbh plc associates group incorporated company limited sa ag llp bv oy ab as investments
consulting agency ratings partners holdings capital ventures industries enterprises technologies solutions systems labs
analytics tv`.split(/\s+/),
)
/** German, Dutch and Nordic street names are one word: "Bundesstrasse", "Storgatan", "Kirkevej". */
const STREET_COMPOUND = /\p{L}{3}(?:strasse|straße|gasse|allee|platz|straat|gatan|vägen|vej|gade)$/u

/**
 * Words that are never a person's name on their own: pronouns, question words, articles, conjunctions,
 * greetings and form labels. A capitalised one at the start of a sentence or line ("What …", "When I …",
 * "Phone: …") looks like a name to the tagger; a span made only of them is dropped.
 */
const FUNCTION_WORDS = new Set(
  `i you he she it we they me him her us them my your his its our their what when where who whom whose why how which
the a an this that these those and or but if so then hi hello hey thanks thank please yes no ok okay phone telephone
email e-mail tel fax mobile cell address name date`.split(/\s+/),
)
/** Text right before a place: a verb of travel or residence and its preposition. */
const TRAVEL_FRAME = /\b(?:(?:flew|flown|fly|flying|travel(?:l?ed|l?ing)?|moved|moving|arrived|arriving|drove|driving|relocated|born|based|originally)\s+(?:to|from|in|into|at)|(?:I am|I'm|I’m|we are|we're|live|lives|living)\s+in|\b(?:city|town|village)(?:\s+of)?)\s+$/i
/** A preposition of place right before a span. */
const PLACE_PREPOSITION = /\b(?:in|at|to|from|near)\s+$/i
/** Text right before an employer's name. */
const EMPLOYER_FRAME = /\b(?:work|works|worked|working|employed)\s+(?:for|at|by)\s+$/i
/** A house number right after a name, then the end of the phrase ("Hammarvägen 15", "Rúa do Paseo 46?"). */
const HOUSE_NUMBER_AFTER = /^[ \t]+\d{1,4}[a-z]?(?=[ \t]*(?:$|[,.;:)?!\n]|st\b|apt\b|suite\b))/i
/** The next word or number after a span, on the same line. */
const NEXT_WORD = /^[ \t,]*([\p{L}\p{M}]+|\d+)/u
const SPAN_WORD = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu

function onlyFunctionWords(text: string, d: Detection): boolean {
  const words = text.slice(d.start, d.end).match(SPAN_WORD)
  return words !== null && words.every((w) => FUNCTION_WORDS.has(w.toLowerCase()))
}

/** Whether the finding is part of a URL, host name or e-mail address (the whitespace-delimited token around it). */
function inUrlOrEmail(text: string, d: Detection): boolean {
  const token = text.slice(d.start - (WORD_BEFORE.exec(text.slice(Math.max(0, d.start - 64), d.start))?.[0].length ?? 0), d.end + (WORD_AFTER.exec(text.slice(d.end, d.end + 64))?.[0].length ?? 0))
  return /:\/\/|^www\.|@|\.[a-z]{2,6}(?:[/?#:]|\p{P}*$)/u.test(token)
}
const WORD_BEFORE = /\S*$/
const WORD_AFTER = /^\S*/

function placeholderSpans(text: string): Array<[number, number]> {
  if (!text.includes('<')) return []
  return Array.from(text.matchAll(ANY_PLACEHOLDER), (m) => [m.index, m.index + m[0].length])
}

function resolveOverlaps(found: Detection[], taken: Array<[number, number]>): Detection[] {
  const rank = (d: Detection) => PRIORITY.get(d.entity) ?? PRIORITY.size
  found.sort((a, b) => b.score - a.score || rank(a) - rank(b) || b.end - b.start - (a.end - a.start))
  const kept: Detection[] = []
  for (const d of found) {
    if (taken.some(([s, e]) => d.start < e && d.end > s)) continue
    kept.push(d)
    taken.push([d.start, d.end])
  }
  return kept.sort((a, b) => a.start - b.start)
}
