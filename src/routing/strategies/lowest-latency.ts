import { isSkipped, type Random, type Strategy } from './strategy.js'

/**
 * The target with the lowest recent latency (a moving average of the whole answer for JSON, of the time to
 * first content for streams). A target never measured counts as 0, so each is tried early. A small share of
 * first picks goes to a random target, so one that was slow and has recovered gets measured again.
 */
export function lowestLatencyStrategy(random: Random, exploration: number): Strategy {
  return {
    pick(targets, skip, _req, stream, first) {
      if (first && exploration > 0 && random() < exploration) {
        let eligible = 0
        for (let i = 0; i < targets.length; i++) if (!isSkipped(skip, i)) eligible++
        if (eligible > 1) {
          let n = Math.floor(random() * eligible)
          for (let i = 0; i < targets.length; i++) if (!isSkipped(skip, i) && n-- === 0) return i
        }
      }
      let best = -1
      let fastest = Number.POSITIVE_INFINITY
      for (let i = 0; i < targets.length; i++) {
        if (isSkipped(skip, i)) continue
        const measured = targets[i]!.health.latencyMs(stream)
        const ms = Number.isNaN(measured) ? 0 : measured
        if (ms < fastest) {
          fastest = ms
          best = i
        }
      }
      return best
    },
  }
}
