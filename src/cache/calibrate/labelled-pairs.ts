import { readFileSync } from 'node:fs'

export type LabelledPair = { a: string; b: string; label: number; id?: number }

/**
 * The calibration fold of qqp_train.jsonl (id % 5 == 0): the embedding training script never sees
 * these pairs, so a threshold calibrated on them is not flattered by what the model memorised.
 */
export const isCalibrationFold = (id: number): boolean => id % 5 === 0

/** Reads a JSONL file of text pairs: question1/question2, text1/text2 or sentence1/sentence2, with `label` (1 = same meaning) or `score` (STS 0–5). */
export function readPairs(path: string): LabelledPair[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as Record<string, unknown>
      const a = row.question1 ?? row.text1 ?? row.sentence1
      const b = row.question2 ?? row.text2 ?? row.sentence2
      const label = typeof row.label === 'number' ? row.label : typeof row.score === 'number' ? row.score : undefined
      if (typeof a !== 'string' || typeof b !== 'string' || label === undefined) throw new Error(`${path}:${i + 1}: expected a text pair with a label or score`)
      return { a, b, label, ...(typeof row.id === 'number' ? { id: row.id } : {}) }
    })
}
