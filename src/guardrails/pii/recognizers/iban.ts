import type { Detection, Recognizer } from '../entity-types.js'

// Length per country (ISO 13616 registry).
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}

const CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}/g

/** ISO 7064 mod 97-10 over the rearranged IBAN. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4)
  let rem = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const value = code >= 65 ? code - 55 : code - 48
    rem = value >= 10 ? (rem * 100 + value) % 97 : (rem * 10 + value) % 97
  }
  return rem === 1
}

export const ibanRecognizer: Recognizer = {
  name: 'iban',
  entity: 'IBAN_CODE',
  context: ['iban', 'bank', 'account', 'transfer', 'wire'],
  find(text) {
    const out: Detection[] = []
    const re = new RegExp(CANDIDATE)
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const found = validPrefix(m[0])
      // A miss may have started on a word before the real IBAN ("ab12 GB82…"): retry one character on.
      if (found === undefined) re.lastIndex = m.index + 1
      else {
        out.push({ entity: 'IBAN_CODE', start: m.index, end: m.index + found, score: 0.95, recognizer: 'iban' })
        re.lastIndex = m.index + found
      }
    }
    return out
  },
}

/** The length of the valid IBAN at the start of a candidate, if there is one. */
function validPrefix(candidate: string): number | undefined {
  const expected = IBAN_LENGTH[candidate.slice(0, 2).toUpperCase()]
  if (expected === undefined) return undefined
  // The greedy match may run into a following code or word: cut it at the country's length.
  let taken = 0
  let end = 0
  while (end < candidate.length && taken < expected) if (candidate[end++] !== ' ') taken++
  if (taken !== expected) return undefined
  return ibanChecksumValid(candidate.slice(0, end).replace(/ /g, '').toUpperCase()) ? end : undefined
}
