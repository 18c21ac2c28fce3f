import { describe, expect, it } from 'vitest'
import { weightedStrategy } from '../../../src/routing/strategies/weighted.js'
import { seededRandom } from '../helpers/seeded-random.js'
import { chatRequest, makeTargets } from '../helpers/targets.js'

const req = chatRequest('hi')

describe('weighted strategy', () => {
  it('picks each target in proportion to its weight over many picks', () => {
    const targets = makeTargets([{ weight: 1 }, { weight: 3 }, { weight: 6 }])
    const strategy = weightedStrategy(seededRandom(42))
    const counts = [0, 0, 0]
    const n = 100_000
    for (let i = 0; i < n; i++) counts[strategy.pick(targets, 0, req, false, true)]!++
    expect(counts[0]! / n).toBeCloseTo(0.1, 2)
    expect(counts[1]! / n).toBeCloseTo(0.3, 2)
    expect(counts[2]! / n).toBeCloseTo(0.6, 2)
  })

  it('draws fallbacks by weight among the targets left, and never returns a skipped one', () => {
    const targets = makeTargets([{ weight: 1 }, { weight: 3 }, { weight: 6 }])
    const strategy = weightedStrategy(seededRandom(7))
    const counts = [0, 0, 0]
    const n = 20_000
    for (let i = 0; i < n; i++) counts[strategy.pick(targets, 0b100, req, false, false)]!++
    expect(counts[2]).toBe(0)
    expect(counts[0]! / n).toBeCloseTo(0.25, 1)
    expect(counts[1]! / n).toBeCloseTo(0.75, 1)
    expect(strategy.pick(targets, 0b111, req, false, false)).toBe(-1)
  })

  it('gives the last eligible target a draw at the very top of the range', () => {
    const targets = makeTargets([{ weight: 1 }, { weight: 1 }, { weight: 1 }])
    const strategy = weightedStrategy(() => 0.9999999999999999)
    expect(strategy.pick(targets, 0b100, req, false, true)).toBe(1)
  })
})
