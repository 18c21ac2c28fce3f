import { isSkipped, type Random, type Strategy } from './strategy.js'

/**
 * Spreads requests by each target's `weight`: a target with weight 3 gets three times the traffic of one
 * with weight 1. Fallbacks are drawn the same way from the targets left, so a failed target's share is
 * spread by weight too.
 */
export function weightedStrategy(random: Random): Strategy {
  return {
    pick(targets, skip) {
      let total = 0
      for (let i = 0; i < targets.length; i++) if (!isSkipped(skip, i)) total += targets[i]!.weight
      if (total === 0) return -1
      let r = random() * total
      let last = -1
      for (let i = 0; i < targets.length; i++) {
        if (isSkipped(skip, i)) continue
        last = i
        r -= targets[i]!.weight
        if (r < 0) return i
      }
      // Rounding can leave r at a hair above 0 after the last target: it is the last one's.
      return last
    },
  }
}
