import { clientSignal } from '../api/client-request.js'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Principal } from '../app-env.js'
import { GatewayError } from '../errors.js'
import { isModelAllowed } from '../keys/grant.js'
import type { KeyStore } from '../keys/key-store.js'
import { chatDemand, countTextTokens, estimateInputTokens, estimateOutputTokens, type Demand } from '../limits/estimate-tokens.js'
import type { Admission, Limiter, SettleInput } from '../limits/limiter.js'
import { StaleKey } from '../limits/refusal.js'
import { mapChunks } from '../outcome.js'
import type { ChatCompletionChunk, Usage } from '../providers/types.js'
import type { RequestLog } from '../request-log.js'
import type { TokenCounts } from '../pricing/price-table.js'
import { setPrincipal } from './auth.js'

const REJECTED: Record<string, RequestLog['rejected']> = {
  budget_exceeded: 'budget',
  concurrency_limit_exceeded: 'concurrency',
  rate_limit_exceeded: 'rate_limit',
  invalid_api_key: 'auth',
  model_not_allowed: 'auth',
}
// A key whose record changes between every refresh and admission is being edited in a loop; give up after this.
const STALE_RETRIES = 2

const toCounts = (u: Usage): TokenCounts => ({
  inputTokens: u.prompt_tokens,
  outputTokens: u.completion_tokens,
  cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
})

/**
 * The admission of one request: the key may use the model, then room is reserved in every window and budget
 * that applies (one atomic store operation). A key whose record changed since it was cached is refreshed and
 * admitted again. Refusals are recorded in the request log. Exported for handlers outside the chat chain
 * (embeddings): they settle the admission themselves.
 */
export async function admitRequest(c: Context<AppEnv>, limiter: Limiter, keys: KeyStore, model: string, demand: Demand): Promise<Admission> {
  let principal: Principal = c.get('principal')
  try {
    for (let attempt = 0; ; attempt++) {
      if (!isModelAllowed(principal, model))
        throw new GatewayError(403, 'permission_error', 'model_not_allowed', `This API key is not allowed to use the model '${model}'.`, { param: 'model' })
      try {
        const admission = await limiter.admit(principal, demand, model)
        Object.assign(c.get('responseHeaders'), admission.headers)
        return admission
      } catch (err) {
        if (!(err instanceof StaleKey)) throw err
        if (attempt >= STALE_RETRIES) throw new GatewayError(503, 'api_error', 'key_changing', 'The API key is being changed; try again shortly.')
        const fresh = await keys.refresh(principal)
        if (!fresh) throw new GatewayError(401, 'authentication_error', 'invalid_api_key', 'This API key has been revoked.')
        principal = fresh
        setPrincipal(c, fresh)
      }
    }
  } catch (err) {
    const log = c.get('log')
    if (err instanceof GatewayError && err.code) log.rejected = REJECTED[err.code] ?? log.rejected
    throw err
  }
}

/**
 * Runs after the request is decoded: admits it (see admitRequest), and after the answer (for streams: when
 * the stream ends, fails or the client leaves) replaces the reservation with the real usage.
 */
export const limits = (limiter: Limiter, keys: KeyStore): MiddlewareHandler<AppEnv> => {
  return async function limits(c, next) {
    const log = c.get('log')
    const request = c.get('request')
    const admission = await admitRequest(c, limiter, keys, request.model, chatDemand(request))

    const settle = (input: SettleInput) => {
      const s = admission.settle(input)
      log.inputTokens ??= s.inputTokens
      log.outputTokens ??= s.outputTokens
      log.cachedInputTokens ??= s.cachedInputTokens
      if (s.costUsd !== undefined) log.costUsd ??= s.costUsd
    }
    // What a stream has delivered so far: a client that leaves mid-stream is charged for that much.
    const progress: StreamProgress = { usage: undefined, text: [], keptChars: 0, totalChars: 0 }
    let streaming = false
    let where: Pick<SettleInput, 'targetModel' | 'provider'> = {}
    let cached = false
    const settleStream = () => {
      const usage = progress.usage
      settle(cached ? { free: true } : { ...where, usage: usage ? toCounts(usage) : estimated(c, log, () => streamedTokens(progress)) })
    }
    // Whatever the steps after us do, a client that leaves releases its slot.
    const signal = clientSignal(c)
    const onAbort = () => (streaming ? settleStream() : settle({ free: true }))
    signal.addEventListener('abort', onAbort, { once: true })

    try {
      await next()
      const outcome = c.error ? undefined : c.get('outcome')
      if (!outcome) return
      where = { targetModel: outcome.targetModel, provider: outcome.provider }
      // A cache hit spends no upstream tokens: free unless the model's cache.count_hits says to count it anyway.
      cached = (outcome.cache === 'hit' || outcome.cache === 'semantic-hit') && !c.get('model').cache.count_hits
      if (outcome.kind === 'json') {
        const usage = outcome.completion.usage
        settle(cached ? { free: true } : { ...where, usage: usage ? toCounts(usage) : estimated(c, log, () => estimateOutputTokens(outcome.completion)) })
        return
      }
      streaming = true
      c.set(
        'outcome',
        mapChunks(outcome, (chunks) =>
          trackStream(chunks, progress, () => {
            signal.removeEventListener('abort', onAbort)
            settleStream()
          }),
        ),
      )
    } finally {
      // Failed before or during the call, or answered without one: the reservation is returned (the request still counts).
      if (!streaming) {
        signal.removeEventListener('abort', onAbort)
        settle({ free: true })
      }
    }
  }
}

/** Counts for an answer the provider did not report usage for: accounting's estimate if it made one, else ours. */
function estimated(c: Context<AppEnv>, log: RequestLog, output: () => number): TokenCounts {
  return {
    inputTokens: log.inputTokens ?? estimateInputTokens(c.get('request')),
    outputTokens: log.outputTokens ?? output(),
    cachedInputTokens: log.cachedInputTokens ?? 0,
  }
}

/** What a stream delivered: its usage chunk, and its text (kept up to a bound, the rest only counted). */
type StreamProgress = { usage: Usage | undefined; text: string[]; keptChars: number; totalChars: number }

const KEEP_CHARS = 32_768

function note(progress: StreamProgress, piece: string): void {
  progress.totalChars += piece.length
  if (progress.keptChars >= KEEP_CHARS) return
  progress.text.push(piece)
  progress.keptChars += piece.length
}

/** Output tokens of a stream without usage: counted on the kept text, scaled to all of it. */
function streamedTokens(progress: StreamProgress): number {
  if (progress.keptChars === 0) return 0
  return Math.ceil((countTextTokens(progress.text.join('')) * progress.totalChars) / progress.keptChars)
}

/** Passes chunks through, noting the usage chunk and the answer text; `onEnd` runs however the stream ends. */
async function* trackStream(
  chunks: AsyncIterable<ChatCompletionChunk>,
  progress: StreamProgress,
  onEnd: () => void,
): AsyncGenerator<ChatCompletionChunk> {
  try {
    for await (const chunk of chunks) {
      if (chunk.usage) progress.usage = chunk.usage
      for (const choice of chunk.choices) {
        if (choice.delta.content) note(progress, choice.delta.content)
        for (const call of choice.delta.tool_calls ?? []) {
          if (call.function?.name) note(progress, call.function.name)
          if (call.function?.arguments) note(progress, call.function.arguments)
        }
      }
      yield chunk
    }
  } finally {
    onEnd()
  }
}
