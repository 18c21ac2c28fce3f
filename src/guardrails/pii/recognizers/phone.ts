import { type CountryCode, Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Detection, Recognizer } from '../entity-types.js'
import { STREET_TYPES } from '../ner/gazetteer.js'

// A run of digits with the usual separators, an optional +country code and extension. The full
// metadata (`/max`) is used because its validity check knows each country's real number ranges.
const CANDIDATE = /(?<![\w+@/.:-])\+?\(?\d[\d ().\u00a0-]{5,24}\d(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w@]|[-.:]\d)/g
// ISO dates and times are digit runs with separators too, and so are ranges of years ("2001 - 2010").
const DATE_LIKE = /^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^(?:19|20)\d\d[ \u00a0]*[-/][ \u00a0]*(?:19|20)\d\d$/
// The first three words after a number, on its line: a street type among them makes it a house number ("224 4966 Bond Street").
const STREET_AFTER = /^([ \t]+[\p{L}\p{M}'’.-]+){1,3}/u
// National formats are tried in this order; the first country where the number is valid wins.
const NATIONAL_REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'CH', 'AT', 'AU', 'BR', 'IN', 'IE', 'ZA', 'SE', 'DK', 'NO', 'PL']

/**
 * A cheap test per region before the full parse (which costs tens of microseconds, and a candidate
 * valid nowhere is parsed once per region): the digits, with the region's national prefix or
 * without, must match the region's general national-number pattern, which every valid number of
 * the region matches. Regions with a prefix rule more complex than a fixed digit string, and
 * candidates that start with the region's international prefix or calling code or carry an extension, are always parsed.
 */
type RegionFilter = { region: CountryCode; pattern: RegExp; prefix: string; idd: RegExp; callingCode: string } | { region: CountryCode; pattern: undefined }
const REGION_FILTERS: RegionFilter[] = NATIONAL_REGIONS.map((region) => {
  // biome-ignore lint/suspicious/noExplicitAny: the numbering-plan accessors are not in the published types
  const plan = (new Metadata() as any).selectNumberingPlan(region).numberingPlan
  const prefix: string = plan.nationalPrefix() || ''
  const forParsing: string = plan.nationalPrefixForParsing() || ''
  if (forParsing !== prefix || plan.nationalPrefixTransformRule() || !/^\d*$/.test(prefix)) return { region, pattern: undefined }
  return { region, pattern: new RegExp(`^(?:${plan.nationalNumberPattern()})$`), prefix, idd: new RegExp(`^(?:${plan.IDDPrefix()})`), callingCode: String(plan.callingCode()) }
})

function mayBeValidIn(f: RegionFilter, digits: string): boolean {
  if (f.pattern === undefined || f.idd.test(digits)) return true
  if (national(f, digits)) return true
  // The region's own calling code written without a "+" is stripped by the parser ("49 30 …" in Germany).
  return digits.startsWith(f.callingCode) && national(f, digits.slice(f.callingCode.length))
}

function national(f: RegionFilter & { pattern: RegExp }, digits: string): boolean {
  if (f.pattern.test(digits)) return true
  return f.prefix !== '' && digits.startsWith(f.prefix) && f.pattern.test(digits.slice(f.prefix.length))
}

function digitCount(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) n++
  }
  return n
}

function phoneScore(candidate: string, after: string): number | undefined {
  if (candidate.startsWith('+')) {
    // "+41 (0)44 …": the national trunk prefix written in brackets is not dialled internationally.
    const parsed = parsePhoneNumberFromString(candidate.replace(/^(\+\d{1,3})\s*\(0\)/, '$1'))
    // A leading + and a plausible length for its country is strong evidence even for an unassigned range.
    return parsed?.isValid() ? 0.75 : parsed?.isPossible() ? 0.55 : undefined
  }
  // "00 41 …" is the international prefix in most of the world.
  if (candidate.startsWith('00')) return parsePhoneNumberFromString(`+${candidate.slice(2)}`)?.isValid() ? 0.7 : undefined
  const digits = /[x#]/i.test(candidate) ? undefined : candidate.replace(/\D+/g, '')
  const region = REGION_FILTERS.find((f) => (digits === undefined || mayBeValidIn(f, digits)) && parsePhoneNumberFromString(candidate, f.region)?.isValid())?.region
  if (region === undefined) return undefined
  // A bare run of up to nine digits is more often an order, account or reference number, and a short one
  // that ends in a group of one or two digits ("73111 31": a postcode, then a house number) or comes right
  // before a street name is more often part of an address: they need context.
  const short = digitCount(candidate) <= 9
  if (/^\d{7,9}$/.test(candidate) || (short && /[ \u00a0]\d{1,2}$/.test(candidate)) || (short && beforeStreet(after))) return 0.3
  return region === 'US' ? 0.6 : 0.5
}

function beforeStreet(after: string): boolean {
  const words = STREET_AFTER.exec(after)?.[0].match(/[\p{L}\p{M}]+/gu) ?? []
  return words.some((w) => STREET_TYPES.has(w.toLowerCase()))
}

export const phoneRecognizer: Recognizer = {
  name: 'phone',
  entity: 'PHONE_NUMBER',
  context: ['phone', 'telephone', 'tel', 'call', 'cell', 'mobile', 'fax', 'contact', 'reach', 'dial', 'whatsapp', 'sms', 'messages', 'office', 'desk'],
  find(text) {
    const out: Detection[] = []
    for (const m of text.matchAll(CANDIDATE)) {
      let value = m[0]
      // The candidate may start inside an unmatched "(": drop a lone bracket at either end.
      let start = m.index
      if (value.startsWith('(') && !value.includes(')')) (value = value.slice(1)), start++
      value = value.replace(/[\s(.-]+$/, '')
      const digits = digitCount(value)
      if (digits < 7 || digits > 15 + 6 || DATE_LIKE.test(value)) continue
      const score = phoneScore(value, text.slice(start + value.length, start + value.length + 48))
      if (score !== undefined) out.push({ entity: 'PHONE_NUMBER', start, end: start + value.length, score, recognizer: 'phone' })
    }
    return out
  },
}
