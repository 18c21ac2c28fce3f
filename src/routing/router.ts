import { setTimeout as sleep } from 'node:timers/promises'
import type { ModelConfig } from '../config/schema.js'
import type { Outcome } from '../outcome.js'
import type { ChatCompletionChunk, ChatRequest, EmbeddingsRequest, EmbeddingsResponse, Provider } from '../providers/types.js'
import { UpstreamError } from '../providers/upstream-error.js'
import type { RequestLog } from '../request-log.js'
import { mapUpstreamError } from './map-upstream-error.js'

export type Target = {
  /** Stable id for health state: provider/model#index. */
  id: string
  provider: Provider
  model: string
  weight: number
}

export type Route = {
  name: string
  config: ModelConfig
  targets: Target[]
}

export type RouteOptions = {
  signal: AbortSignal
  headers?: Record<string, string>
  log: RequestLog
}

/** What the router reports to metrics: one call per attempt. */
export type RouterHooks = {
  attempt?(target: Target, route: string, result: 'success' | 'failure', error?: UpstreamError): void
}

const DEFAULT_FALLBACK_ON: ReadonlyArray<number | 'timeout' | 'connection'> = [408, 409, 429, 500, 502, 503, 504, 529, 'timeout', 'connection']

export function compileRoute(config: ModelConfig, providers: ReadonlyMap<string, Provider>): Route {
  const targets = config.targets.map((t, i) => {
    const provider = providers.get(t.provider)
    if (!provider) throw new Error(`models.${config.name}: unknown provider '${t.provider}'`)
    return { id: `${t.provider}/${t.model}#${i}`, provider, model: t.model, weight: t.weight }
  })
  return { name: config.name, config, targets }
}

/** Whether this failure moves on (retry or next target) under the route's fallback_on list. */
function movesOn(err: UpstreamError, fallbackOn: ReadonlySet<number | string>): boolean {
  if (err.kind === 'timeout') return fallbackOn.has('timeout')
  if (err.kind === 'connection') return fallbackOn.has('connection')
  if (err.kind === 'protocol') return fallbackOn.has(502)
  return err.status !== undefined && fallbackOn.has(err.status)
}

/** Exponential backoff with full jitter, or the upstream's Retry-After when it asked and it is within the cap. */
function backoffMs(config: ModelConfig, retry: number, err: UpstreamError): number {
  const r = config.retries
  if (err.retryAfterMs !== undefined && err.retryAfterMs <= r.max_retry_after_ms) return err.retryAfterMs
  return Math.random() * Math.min(r.max_backoff_ms, r.backoff_ms * 2 ** retry)
}

/**
 * Calls a route's targets in order with timeouts, retries and fallback. A stream is only handed back once
 * its first content arrived, so every failure before that can still be retried elsewhere; later failures
 * travel inside the stream as errors.
 */
export class Router {
  constructor(private readonly hooks: RouterHooks = {}) {}

  async run(req: Readonly<ChatRequest>, route: Route, opts: RouteOptions): Promise<Outcome> {
    const stream = req.stream === true
    const { value, attempts } = await this.withFallback(route, opts, (target) =>
      stream ? this.streamAttempt(req, route, target, opts) : this.jsonAttempt(req, route, target, opts),
    )
    return { ...value, attempts }
  }

  async embed(req: Readonly<EmbeddingsRequest>, route: Route, opts: RouteOptions): Promise<{ response: EmbeddingsResponse; target: Target; attempts: number }> {
    const { value, attempts } = await this.withFallback(route, opts, async (target) => {
      const { signal, done } = attemptSignal(opts.signal, route.config.timeout_ms, target)
      const started = performance.now()
      try {
        return { response: await target.provider.embeddings(req, target.model, { signal, headers: opts.headers }), target }
      } finally {
        opts.log.upstreamMs += performance.now() - started
        done()
      }
    })
    return { ...value, attempts }
  }

  /** Targets in order, each retried on retryable failures, moving on per fallback_on; the caller's own errors end it at once. */
  private async withFallback<T>(route: Route, opts: RouteOptions, attempt: (target: Target) => Promise<T>): Promise<{ value: T; attempts: number }> {
    const config = route.config
    const fallbackOn = new Set<number | string>(config.fallback_on ?? DEFAULT_FALLBACK_ON)
    let attempts = 0
    let lastError: UpstreamError | undefined
    for (const [index, target] of route.targets.entries()) {
      for (let retry = 0; retry <= config.retries.attempts; retry++) {
        if (opts.signal.aborted) throw opts.signal.reason
        attempts++
        opts.log.attempts = attempts
        opts.log.fallbacks = index
        try {
          const value = await attempt(target)
          this.hooks.attempt?.(target, route.name, 'success')
          return { value, attempts }
        } catch (err) {
          if (!(err instanceof UpstreamError) || opts.signal.aborted) throw err
          this.hooks.attempt?.(target, route.name, 'failure', err)
          lastError = err
          if (!err.retryable || !movesOn(err, fallbackOn)) throw mapUpstreamError(err)
          // A rate limit that lasts longer than we may wait is better served by the next target.
          if (retry >= config.retries.attempts || (err.retryAfterMs !== undefined && err.retryAfterMs > config.retries.max_retry_after_ms)) break
          await sleep(backoffMs(config, retry, err), undefined, { signal: opts.signal }).catch(() => undefined)
        }
      }
    }
    throw mapUpstreamError(lastError ?? new UpstreamError(route.name, 'connection', 'no target available'))
  }

  private async jsonAttempt(req: Readonly<ChatRequest>, route: Route, target: Target, opts: RouteOptions): Promise<Outcome> {
    const { signal, done } = attemptSignal(opts.signal, route.config.timeout_ms, target)
    const started = performance.now()
    try {
      const completion = await target.provider.chat(req, target.model, { signal, headers: opts.headers })
      return { kind: 'json', completion, provider: target.provider.name, targetModel: target.model, attempts: 1 }
    } finally {
      opts.log.upstreamMs += performance.now() - started
      done()
    }
  }

  private async streamAttempt(req: Readonly<ChatRequest>, route: Route, target: Target, opts: RouteOptions): Promise<Outcome> {
    const config = route.config
    const { signal, done, abort } = attemptSignal(opts.signal, config.timeout_ms, target)
    const firstTokenTimer = config.first_token_timeout_ms
      ? setTimeout(() => abort(new UpstreamError(target.provider.name, 'timeout', `${target.provider.name} sent no first token in time`)), config.first_token_timeout_ms)
      : undefined
    const log = opts.log
    const started = performance.now()
    const held: ChatCompletionChunk[] = []
    let iterator: AsyncIterator<ChatCompletionChunk> | undefined
    try {
      const chunks = await target.provider.stream(req, target.model, { signal, headers: opts.headers })
      iterator = chunks[Symbol.asyncIterator]()
      // Hold back until real content (or the end): until then a failure can still go to another target.
      for (;;) {
        const next = await iterator.next()
        if (next.done) break
        held.push(next.value)
        if (hasContent(next.value)) break
      }
    } catch (err) {
      clearTimeout(firstTokenTimer)
      log.upstreamMs += performance.now() - started
      done()
      await iterator?.return?.().catch(() => undefined)
      throw err
    }
    clearTimeout(firstTokenTimer)
    log.upstreamMs += performance.now() - started
    const it = iterator
    async function* rest(): AsyncGenerator<ChatCompletionChunk> {
      try {
        yield* held
        for (;;) {
          const t0 = performance.now()
          const next = await it.next()
          log.upstreamMs += performance.now() - t0
          if (next.done) return
          yield next.value
        }
      } finally {
        done()
        await it.return?.().catch(() => undefined)
      }
    }
    return { kind: 'stream', chunks: rest(), provider: target.provider.name, targetModel: target.model, attempts: 1 }
  }
}

function hasContent(chunk: ChatCompletionChunk): boolean {
  for (const c of chunk.choices) {
    if (c.finish_reason || c.delta.tool_calls?.length || (c.delta.content !== undefined && c.delta.content !== null && c.delta.content !== '')) return true
  }
  return chunk.choices.length === 0 && chunk.usage != null
}

/** The client's signal plus this attempt's own timeout; `done` clears the timer. */
function attemptSignal(parent: AbortSignal, timeoutMs: number, target: Target) {
  const controller = new AbortController()
  const abort = (reason: unknown) => controller.abort(reason)
  const onParent = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onParent, { once: true })
  const timer = setTimeout(() => abort(new UpstreamError(target.provider.name, 'timeout', `${target.provider.name} did not answer within ${timeoutMs} ms`)), timeoutMs)
  return {
    signal: controller.signal,
    abort,
    done: () => {
      clearTimeout(timer)
      parent.removeEventListener('abort', onParent)
    },
  }
}
