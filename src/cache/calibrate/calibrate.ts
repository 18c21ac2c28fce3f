import { verifyCandidate, type VerifyRules } from '../verify/verify-candidate.js'
import type { ScoredPair } from './score-pairs.js'

export type OperatingPoint = { threshold: number; precision: number; hitRate: number; falseHitRate: number; hits: number }

/** A pair counts as a cache hit when its similarity reaches the threshold and verification lets it through. */
export function operatingPoint(pairs: readonly ScoredPair[], rules: VerifyRules | undefined, threshold: number): OperatingPoint {
  let tp = 0
  let fp = 0
  let positives = 0
  for (const p of pairs) {
    if (p.label === 1) positives++
    if (p.similarity < threshold || (rules && !verifyCandidate(p.a, p.b, rules).ok)) continue
    if (p.label === 1) tp++
    else fp++
  }
  const negatives = pairs.length - positives
  return { threshold, precision: tp + fp ? tp / (tp + fp) : 1, hitRate: positives ? tp / positives : 0, falseHitRate: negatives ? fp / negatives : 0, hits: tp + fp }
}

/** Every threshold at which the hit set changes, with its precision, hit rate and false-hit rate (most similar first). */
export function precisionCurve(pairs: readonly ScoredPair[], rules: VerifyRules | undefined): OperatingPoint[] {
  const passing = pairs.filter((p) => !rules || verifyCandidate(p.a, p.b, rules).ok).sort((x, y) => y.similarity - x.similarity)
  const positives = pairs.filter((p) => p.label === 1).length
  const negatives = pairs.length - positives
  const curve: OperatingPoint[] = []
  let tp = 0
  let fp = 0
  for (let i = 0; i < passing.length; i++) {
    if (passing[i]!.label === 1) tp++
    else fp++
    if (i + 1 < passing.length && passing[i + 1]!.similarity === passing[i]!.similarity) continue
    curve.push({ threshold: passing[i]!.similarity, precision: tp / (tp + fp), hitRate: positives ? tp / positives : 0, falseHitRate: negatives ? fp / negatives : 0, hits: tp + fp })
  }
  return curve
}

export type CalibrationTarget = { targetPrecision: number; maxFalseHitRate: number; minHits: number }
export type CalibrationResult = { rules: VerifyRules; point: OperatingPoint; precisionReached: boolean }

/**
 * The verification rules tried by calibration, from strict to lenient. Word order is always checked:
 * swapped roles ("convert ethane to ethene" / "ethene to ethane") are too rare in the calibration
 * pairs to cost a measurable false-hit rate, yet each one is a wrong answer a user would notice.
 */
export function rulesGrid(): VerifyRules[] {
  const grid: VerifyRules[] = []
  for (const keyWordRank of [3_000, 10_000, 30_000, Number.POSITIVE_INFINITY])
    for (const maxDifferentWords of [0, 1, 2, 4, 8, 16])
      for (const maxDifferentShare of [0.15, 0.25, 0.35, 0.5, 1]) grid.push({ keyWordRank, maxDifferentWords, maxDifferentShare, sameOrder: true })
  return grid
}

/** How far below the best hit rate a more lenient rule set may be and still be preferred (it generalises to longer texts). */
const LENIENCY_TOLERANCE = 0.95

const leniency = (r: VerifyRules): number[] => [r.maxDifferentShare, r.maxDifferentWords, r.keyWordRank, r.sameOrder ? 1 : 0]
function moreLenient(a: VerifyRules, b: VerifyRules): boolean {
  const la = leniency(a)
  const lb = leniency(b)
  for (let i = 0; i < la.length; i++) if (la[i] !== lb[i]) return la[i]! > lb[i]!
  return false
}

/**
 * Picks the rules and the lowest threshold (most hits) whose false-hit rate stays within the bound
 * and whose precision reaches the target. Among rule sets within 5% of the best hit rate, the most
 * lenient wins: the calibration pairs are short questions, and strict word-count limits that cost
 * nothing there would reject longer paraphrases. When no threshold reaches the precision target
 * (QQP's non-duplicates include near-identical questions, so precision tops out below 0.99), the
 * false-hit bound alone decides and `precisionReached` says so.
 */
export function calibrate(pairs: readonly ScoredPair[], target: CalibrationTarget, grid = rulesGrid()): CalibrationResult | undefined {
  const feasible: CalibrationResult[] = []
  for (const rules of grid) {
    let best: OperatingPoint | undefined
    for (const point of precisionCurve(pairs, rules)) {
      if (point.falseHitRate > target.maxFalseHitRate) break
      if (point.hits >= target.minHits && point.precision >= target.targetPrecision) best = point
    }
    if (best) feasible.push({ rules, point: best, precisionReached: true })
  }
  if (feasible.length === 0 && target.targetPrecision > 0) {
    const fallback = calibrate(pairs, { ...target, targetPrecision: 0 }, grid)
    return fallback && { ...fallback, precisionReached: false }
  }
  const bestHitRate = Math.max(...feasible.map((f) => f.point.hitRate))
  let chosen: CalibrationResult | undefined
  for (const f of feasible) {
    if (f.point.hitRate < LENIENCY_TOLERANCE * bestHitRate) continue
    if (!chosen || moreLenient(f.rules, chosen.rules) || (!moreLenient(chosen.rules, f.rules) && f.point.hitRate > chosen.point.hitRate)) chosen = f
  }
  return chosen
}
