import { describe, expect, it } from 'vitest'
import { lowestCostStrategy } from '../../../src/routing/strategies/lowest-cost.js'
import { chatRequest, makeTargets } from '../helpers/targets.js'

const cheapSmall = { price: { inputPerMtok: 0.1, outputPerMtok: 0.4 }, contextWindow: 1_000 }
const mid = { price: { inputPerMtok: 1, outputPerMtok: 4 }, contextWindow: 200_000 }
const dear = { price: { inputPerMtok: 5, outputPerMtok: 25 }, contextWindow: 1_000_000 }

describe('lowest-cost strategy', () => {
  it('picks the cheapest target, and falls back in price order', () => {
    const targets = makeTargets([dear, mid, cheapSmall])
    const req = chatRequest('short question')
    expect(lowestCostStrategy.pick(targets, 0, req, false, true)).toBe(2)
    expect(lowestCostStrategy.pick(targets, 0b100, req, false, false)).toBe(1)
    expect(lowestCostStrategy.pick(targets, 0b110, req, false, false)).toBe(0)
  })

  it('passes over a target whose context window the prompt does not fit', () => {
    const targets = makeTargets([dear, mid, cheapSmall])
    const long = chatRequest('word '.repeat(2_000)) // ~2,500 tokens > 1,000
    expect(lowestCostStrategy.pick(targets, 0, long, false, true)).toBe(1)
  })

  it("counts the caller's max tokens against the window", () => {
    const targets = makeTargets([mid, cheapSmall])
    expect(lowestCostStrategy.pick(targets, 0, chatRequest('hi', { max_tokens: 500 }), false, true)).toBe(1)
    expect(lowestCostStrategy.pick(targets, 0, chatRequest('hi', { max_completion_tokens: 5_000 }), false, true)).toBe(0)
  })

  it('weighs input and output prices by the expected token counts', () => {
    // Cheap input, dear output vs the reverse: a long prompt with a short answer favours cheap input.
    const cheapIn = { price: { inputPerMtok: 0.5, outputPerMtok: 20 } }
    const cheapOut = { price: { inputPerMtok: 3, outputPerMtok: 1 } }
    const targets = makeTargets([cheapOut, cheapIn])
    expect(lowestCostStrategy.pick(targets, 0, chatRequest('x'.repeat(40_000), { max_tokens: 10 }), false, true)).toBe(1)
    expect(lowestCostStrategy.pick(targets, 0, chatRequest('hi', { max_tokens: 4_000 }), false, true)).toBe(0)
  })

  it('puts targets without a price after priced ones, and still uses a too-small target when none fits', () => {
    const targets = makeTargets([{}, mid, cheapSmall])
    expect(lowestCostStrategy.pick(targets, 0b110, chatRequest('hi'), false, true)).toBe(0)
    expect(lowestCostStrategy.pick(targets, 0, chatRequest('hi'), false, true)).toBe(2)
    const small = makeTargets([cheapSmall, { ...cheapSmall, price: { inputPerMtok: 0.05, outputPerMtok: 0.1 } }])
    expect(lowestCostStrategy.pick(small, 0, chatRequest('word '.repeat(2_000)), false, true)).toBe(1)
  })
})
