import { readFileSync } from 'node:fs'
import type { VerifyRules } from './verify/verify-candidate.js'

/** What `npm run cache:calibrate` found for one embedding model (keyed by Embedder.id in models/cache-calibration.json). */
export type Calibration = {
  model: string
  threshold: number
  rules: VerifyRules
  pairs: string
  targetPrecision: number
  maxFalseHitRate: number
  precision: number
  hitRate: number
  falseHitRate: number
}

export const CALIBRATION_FILE = new URL('../../models/cache-calibration.json', import.meta.url)

/** Rules used for a model nobody calibrated (its threshold must then come from config). */
export const DEFAULT_RULES: VerifyRules = { keyWordRank: 10_000, maxDifferentWords: 2, maxDifferentShare: 0.3, sameOrder: true }

export function readCalibrations(file: URL | string = CALIBRATION_FILE): Record<string, Calibration> {
  try {
    // JSON has no Infinity: "no rarity limit" is written as the string "Infinity".
    return JSON.parse(readFileSync(file, 'utf8'), (_, v: unknown) => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v)) as Record<string, Calibration>
  } catch {
    return {}
  }
}
