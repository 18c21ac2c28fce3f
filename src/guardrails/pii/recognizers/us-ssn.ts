import type { Detection, Recognizer } from '../entity-types.js'

const CANDIDATE = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g
// Numbers the SSA never issues or that were published as examples.
const NEVER_ISSUED = new Set(['078051120', '219099999', '123456789', '457555462'])

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false
  if (group === '00' || serial === '0000') return false
  const all = area + group + serial
  return !/^(\d)\1+$/.test(all) && !NEVER_ISSUED.has(all)
}

export const usSsnRecognizer: Recognizer = {
  name: 'us-ssn',
  entity: 'US_SSN',
  context: ['ssn', 'social security', 'social', 'ssa', 'security number', 'taxpayer'],
  find(text) {
    const out: Detection[] = []
    for (const m of text.matchAll(CANDIDATE)) {
      const [, area = '', sep = '', group = '', serial = ''] = m
      if (!ssnValid(area, group, serial)) continue
      // Dashes are the SSN's own format; bare nine digits are mostly something else unless context says so.
      const score = sep === '-' ? 0.85 : sep === ' ' ? 0.5 : 0.3
      out.push({ entity: 'US_SSN', start: m.index, end: m.index + m[0].length, score, recognizer: 'us-ssn' })
    }
    return out
  },
}
