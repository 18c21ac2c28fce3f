import type { Detection, Recognizer } from '../entity-types.js'

// Runs of digits grouped by single spaces or dashes; each run is then searched for valid 12–19 digit numbers.
const CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){11,80}(?![\d-])/g
// Issuer prefixes (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro).
const KNOWN_ISSUER = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6011|6[245]|5[06-9]|2131|1800)/

export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

export const creditCardRecognizer: Recognizer = {
  name: 'credit-card',
  entity: 'CREDIT_CARD',
  context: ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'discover', 'cc', 'payment', 'pay'],
  find(text) {
    const out: Detection[] = []
    for (const m of text.matchAll(CANDIDATE))
      for (const found of validSpans(m[0])) {
        const start = m.index + found.offset
        out.push({ entity: 'CREDIT_CARD', start, end: start + found.value.length, score: found.score, recognizer: 'credit-card' })
      }
    return out
  },
}

function scoreOf(digits: string): number | undefined {
  if (digits.length < 12 || digits.length > 19 || !luhnValid(digits) || /^(\d)\1+$/.test(digits)) return undefined
  // Twelve digits (some Maestro cards) pass Luhn one time in ten by chance: only with context.
  return digits.length === 12 ? 0.4 : KNOWN_ISSUER.test(digits) ? 0.9 : 0.5
}

/**
 * Left to right, the longest run of digit groups that is a valid number, one separator kind per
 * run: a run of digits may hold several numbers ("SSN 536-22-8726 card 4111 1111 1111 1111 12 items").
 */
function validSpans(candidate: string): Array<{ value: string; offset: number; score: number }> {
  const groups = [...candidate.matchAll(/\d+/g)]
  const out: Array<{ value: string; offset: number; score: number }> = []
  for (let i = 0; i < groups.length; ) {
    let taken = 0
    for (let j = groups.length - 1; j >= i && taken === 0; j--) {
      const first = groups[i] as RegExpExecArray
      const last = groups[j] as RegExpExecArray
      const value = candidate.slice(first.index, last.index + last[0].length)
      if (new Set(value.match(/[ -]/g)).size > 1) continue
      const score = scoreOf(value.replace(/[ -]/g, ''))
      if (score === undefined) continue
      out.push({ value, offset: first.index, score })
      taken = j - i + 1
    }
    i += Math.max(1, taken)
  }
  return out
}
