// Span-level precision / recall / F2 for the PII evaluation.
import type { Detection } from '../src/guardrails/pii/entity-types.js'
import type { PiiRow } from './guardrails-data.js'

/** The data set's entity names mapped to the gateway's (Presidio's GPE is our LOCATION). */
export const DATASET_ENTITY: Record<string, string> = {
  PERSON: 'PERSON',
  GPE: 'LOCATION',
  STREET_ADDRESS: 'STREET_ADDRESS',
  CREDIT_CARD: 'CREDIT_CARD',
  PHONE_NUMBER: 'PHONE_NUMBER',
  EMAIL_ADDRESS: 'EMAIL_ADDRESS',
  IBAN_CODE: 'IBAN_CODE',
  US_SSN: 'US_SSN',
  IP_ADDRESS: 'IP_ADDRESS',
}

export type Counts = { gold: number; predicted: number; overlapTp: number; overlapPredTp: number; exactTp: number }
type Span = { entity: string; start: number; end: number }

/**
 * Two matchings per entity type:
 * - overlap: a gold span is found when a prediction of the same type overlaps it (recall), and a
 *   prediction is right when it overlaps a gold span of the same type (precision);
 * - exact: the same, but boundaries must match exactly (after trimming whitespace and punctuation).
 */
export function countSpans(rows: readonly PiiRow[], predict: (text: string) => Detection[]): Map<string, Counts> {
  const counts = new Map<string, Counts>()
  const get = (e: string) => {
    let c = counts.get(e)
    if (!c) counts.set(e, (c = { gold: 0, predicted: 0, overlapTp: 0, overlapPredTp: 0, exactTp: 0 }))
    return c
  }
  for (const entity of new Set(Object.values(DATASET_ENTITY))) get(entity)
  for (const row of rows) {
    const gold: Span[] = row.spans.flatMap((s) => {
      const entity = DATASET_ENTITY[s.entity_type]
      return entity === undefined ? [] : [{ entity, start: s.start, end: s.end }]
    })
    const pred: Span[] = predict(row.text).filter((d) => counts.has(d.entity))
    const key = (s: Span) => {
      const v = row.text.slice(s.start, s.end).replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
      return `${s.entity}|${s.start + row.text.slice(s.start, s.end).indexOf(v)}|${v}`
    }
    const predKeys = new Set(pred.map(key))
    const overlaps = (a: Span, b: Span) => a.entity === b.entity && a.start < b.end && b.start < a.end
    for (const g of gold) {
      const c = get(g.entity)
      c.gold++
      if (pred.some((p) => overlaps(p, g))) c.overlapTp++
      if (predKeys.has(key(g))) c.exactTp++
    }
    for (const p of pred) {
      const c = get(p.entity)
      c.predicted++
      if (gold.some((g) => overlaps(p, g))) c.overlapPredTp++
    }
  }
  return counts
}

export function scores(c: Counts): { precision: number; recall: number; f2: number; exactPrecision: number; exactRecall: number } {
  const precision = c.predicted === 0 ? (c.gold === 0 ? 1 : 0) : c.overlapPredTp / c.predicted
  const recall = c.gold === 0 ? 1 : c.overlapTp / c.gold
  const f2 = precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall)
  return {
    precision,
    recall,
    f2,
    exactPrecision: c.predicted === 0 ? 0 : c.exactTp / c.predicted,
    exactRecall: c.gold === 0 ? 1 : c.exactTp / c.gold,
  }
}
