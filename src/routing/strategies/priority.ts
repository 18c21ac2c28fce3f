import { isSkipped, type Strategy } from './strategy.js'

/** Targets in the order they are configured: the first is the primary, the rest are its fallbacks. */
export const priorityStrategy: Strategy = {
  pick(targets, skip) {
    for (let i = 0; i < targets.length; i++) if (!isSkipped(skip, i)) return i
    return -1
  },
}
