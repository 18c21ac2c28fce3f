import type { EntityType } from './entity-types.js'

// Numbers people recognise by their last digits keep four of them visible.
const KEEP_LAST_FOUR: ReadonlySet<EntityType> = new Set(['CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'PHONE_NUMBER'])

/** Letters and digits become '*', separators stay; a card, IBAN, SSN or phone keeps its last four. */
export function maskValue(entity: EntityType, value: string): string {
  let keep = KEEP_LAST_FOUR.has(entity) ? 4 : 0
  let out = ''
  for (let i = value.length - 1; i >= 0; i--) {
    const ch = value[i] as string
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out = (keep > 0 ? ch : '*') + out
      if (keep > 0) keep--
    } else out = ch + out
  }
  return out
}
