import { estimatePromptTokens, requestedOutputTokens } from '../estimate-tokens.js'
import { isSkipped, type Strategy } from './strategy.js'

// Ranking needs some answer length when the caller set no limit; only the ratio to the prompt matters.
const ASSUMED_OUTPUT_TOKENS = 256

/**
 * The target where this request is cheapest by the price table (estimated prompt tokens × input price +
 * expected answer tokens × output price). Targets whose context window is known to be too small for the
 * prompt plus the caller's max tokens are passed over while a fitting one is left; targets without a price
 * come after priced ones, in config order. A local llama target costs 0.
 */
export const lowestCostStrategy: Strategy = {
  pick(targets, skip, req) {
    const prompt = estimatePromptTokens(req)
    const maxOut = requestedOutputTokens(req)
    const needed = prompt + (maxOut ?? 0)
    const output = maxOut ?? ASSUMED_OUTPUT_TOKENS
    let best = -1
    let bestCost = Number.POSITIVE_INFINITY
    let bestFits = false
    for (let i = 0; i < targets.length; i++) {
      if (isSkipped(skip, i)) continue
      const t = targets[i]!
      const fits = t.contextWindow === undefined || needed <= t.contextWindow
      const cost = t.price ? prompt * t.price.inputPerMtok + output * t.price.outputPerMtok : Number.POSITIVE_INFINITY
      if (best === -1 || (fits && !bestFits) || (fits === bestFits && cost < bestCost)) {
        best = i
        bestCost = cost
        bestFits = fits
      }
    }
    return best
  },
}
