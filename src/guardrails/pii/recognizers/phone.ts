import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Detection, Recognizer } from '../entity-types.js'

// A run of digits with the usual separators, an optional +country code and extension. The full
// metadata (`/max`) is used because its validity check knows each country's real number ranges.
const CANDIDATE = /(?<![\w+@/.-])\+?\(?\d[\d ().\u00a0-]{5,24}\d(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w@-]|\.\d)/g
// National formats are tried in this order; the first country where the number is valid wins.
const NATIONAL_REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'CH', 'AT', 'AU', 'BR', 'IN', 'IE', 'ZA', 'SE', 'DK', 'NO', 'PL']

function digitCount(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) n++
  }
  return n
}

function phoneScore(candidate: string): number | undefined {
  if (candidate.startsWith('+')) return parsePhoneNumberFromString(candidate)?.isValid() ? 0.75 : undefined
  // "00 41 …" is the international prefix in most of the world.
  if (candidate.startsWith('00')) return parsePhoneNumberFromString(`+${candidate.slice(2)}`)?.isValid() ? 0.7 : undefined
  for (const region of NATIONAL_REGIONS) {
    if (parsePhoneNumberFromString(candidate, region)?.isValid()) return region === 'US' ? 0.6 : 0.5
  }
  return undefined
}

export const phoneRecognizer: Recognizer = {
  name: 'phone',
  entity: 'PHONE_NUMBER',
  context: ['phone', 'telephone', 'tel', 'call', 'cell', 'mobile', 'fax', 'contact', 'reach', 'number', 'dial', 'whatsapp', 'sms', 'text'],
  find(text) {
    const out: Detection[] = []
    for (const m of text.matchAll(CANDIDATE)) {
      let value = m[0]
      // The candidate may start inside an unmatched "(": drop a lone bracket at either end.
      let start = m.index
      if (value.startsWith('(') && !value.includes(')')) (value = value.slice(1)), start++
      value = value.replace(/[\s(.-]+$/, '')
      const digits = digitCount(value)
      if (digits < 7 || digits > 15 + 6) continue
      const score = phoneScore(value)
      if (score !== undefined) out.push({ entity: 'PHONE_NUMBER', start, end: start + value.length, score, recognizer: 'phone' })
    }
    return out
  },
}
