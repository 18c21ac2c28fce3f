import { isSkipped, type Strategy } from './strategy.js'

/** The target with the fewest calls open right now (streams count until they end); ties go to the earlier target. */
export const leastBusyStrategy: Strategy = {
  pick(targets, skip) {
    let best = -1
    let fewest = Number.POSITIVE_INFINITY
    for (let i = 0; i < targets.length; i++) {
      if (isSkipped(skip, i)) continue
      const n = targets[i]!.health.inFlight
      if (n < fewest) {
        fewest = n
        best = i
      }
    }
    return best
  },
}
