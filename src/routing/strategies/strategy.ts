import type { ChatRequest, EmbeddingsRequest } from '../../providers/types.js'
import type { Target } from '../plan.js'

export type RoutedRequest = Readonly<ChatRequest> | Readonly<EmbeddingsRequest>

/**
 * Orders a route's targets for one request, one pick at a time: the router asks for the next target after
 * each one it gave up on, so fallbacks follow the strategy's order too. Bit i of `skip` set means target i
 * was tried already or its circuit is open. Picks must not allocate: this runs on every request.
 */
export interface Strategy {
  /** The index of the next target to try, or -1 when every target is skipped. `first` is true for a request's first pick. */
  pick(targets: readonly Target[], skip: number, req: RoutedRequest, stream: boolean, first: boolean): number
}

/** A random number in [0, 1): Math.random in production, seeded in tests. */
export type Random = () => number

export const isSkipped = (skip: number, i: number): boolean => (skip & (1 << i)) !== 0
