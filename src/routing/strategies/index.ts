import type { ModelConfig } from '../../config/schema.js'
import { leastBusyStrategy } from './least-busy.js'
import { lowestCostStrategy } from './lowest-cost.js'
import { lowestLatencyStrategy } from './lowest-latency.js'
import { priorityStrategy } from './priority.js'
import type { Random, Strategy } from './strategy.js'
import { weightedStrategy } from './weighted.js'

// Share of lowest-latency first picks sent to a random target, so a recovered one is measured again.
const LATENCY_EXPLORATION = 0.05

/** One strategy per `strategy:` value; `satisfies` makes a new value in the schema a compile error here. */
export const strategyFactories = {
  priority: () => priorityStrategy,
  weighted: (random: Random) => weightedStrategy(random),
  'lowest-latency': (random: Random) => lowestLatencyStrategy(random, LATENCY_EXPLORATION),
  'lowest-cost': () => lowestCostStrategy,
  'least-busy': () => leastBusyStrategy,
} satisfies Record<ModelConfig['strategy'], (random: Random) => Strategy>

export type { Random, RoutedRequest, Strategy } from './strategy.js'
