import type { CircuitState } from './circuit-breaker.js'
import type { Route } from './plan.js'

export type TargetCircuit = {
  target: string
  provider: string
  model: string
  circuit: CircuitState
  /** Open circuits: milliseconds until one probe may go through. */
  reopens_in_ms?: number
  in_flight: number
}

/** One model's targets and their circuits, for /readyz. Reads state only: an expired cooldown still shows as open. */
export function circuitReport(route: Route, now: number): TargetCircuit[] {
  return route.targets.map((t) => {
    const breaker = t.health.breaker
    const row: TargetCircuit = { target: t.id, provider: t.provider.name, model: t.model, circuit: breaker.state, in_flight: t.health.inFlight }
    if (breaker.state === 'open') row.reopens_in_ms = Math.ceil(breaker.reopensIn(now))
    return row
  })
}
