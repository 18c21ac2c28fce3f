import type { ChatCompletion, ChatCompletionChunk } from './providers/types.js'

export type CacheResult = 'hit' | 'semantic-hit' | 'miss' | 'bypass'

/**
 * What the route step produced, in canonical form. Middleware that runs after `await next()`
 * may replace it with a transformed one (output guardrails, restore, cache store, accounting);
 * the api codec encodes the final one for the client.
 */
export type Outcome = (
  | { kind: 'json'; completion: ChatCompletion }
  | { kind: 'stream'; chunks: AsyncIterable<ChatCompletionChunk> }
) & {
  provider: string
  targetModel: string
  attempts: number
  cache?: CacheResult
}

/** Wraps a stream outcome's chunks; `onEnd` runs once, whether it finished, failed or the client left. */
export function mapChunks(
  outcome: Outcome,
  map: (chunks: AsyncIterable<ChatCompletionChunk>) => AsyncIterable<ChatCompletionChunk>,
): Outcome {
  if (outcome.kind !== 'stream') return outcome
  return { ...outcome, chunks: map(outcome.chunks) }
}
