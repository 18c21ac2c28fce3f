import type { Outcome } from '../outcome.js'
import type { ChatCompletionChunk, ChatRequest, EmbeddingsRequest, EmbeddingsResponse } from '../providers/types.js'
import { UpstreamError } from '../providers/upstream-error.js'
import type { RequestLog } from '../request-log.js'
import { AttemptSignal } from './attempt-signal.js'
import type { Route, Target } from './plan.js'
import type { TargetInfo } from './target-health.js'

export type RouteOptions = {
  /** The client's signal: aborted when it goes away. */
  signal: AbortSignal
  headers?: Record<string, string>
  log: RequestLog
}

/** What an attempt needs from the router besides the request: the clock and the hook for failures after the first byte. */
export type AttemptEnv = {
  readonly now: () => number
  readonly onStreamFailure: ((target: TargetInfo, error: UpstreamError) => void) | undefined
}

export type Embedded = { response: EmbeddingsResponse; target: Target; attempts: number }

// Each attempt below counts itself in the target's in-flight number for exactly as long as its upstream call is open.

export async function callJson(req: Readonly<ChatRequest>, route: Route, target: Target, opts: RouteOptions): Promise<Outcome> {
  const attempt = new AttemptSignal(opts.signal, target.provider.name, route.config.timeout_ms)
  const started = performance.now()
  target.health.inFlight++
  try {
    const completion = await target.provider.chat(req, target.model, { signal: attempt.signal, headers: opts.headers })
    return { kind: 'json', completion, provider: target.provider.name, targetModel: target.model, attempts: 1 }
  } finally {
    target.health.inFlight--
    opts.log.upstreamMs += performance.now() - started
    attempt.done()
  }
}

export async function callEmbeddings(req: Readonly<EmbeddingsRequest>, route: Route, target: Target, opts: RouteOptions): Promise<Embedded> {
  const attempt = new AttemptSignal(opts.signal, target.provider.name, route.config.timeout_ms)
  const started = performance.now()
  target.health.inFlight++
  try {
    const response = await target.provider.embeddings(req, target.model, { signal: attempt.signal, headers: opts.headers })
    return { response, target, attempts: 1 }
  } finally {
    target.health.inFlight--
    opts.log.upstreamMs += performance.now() - started
    attempt.done()
  }
}

/**
 * Opens a stream and holds it back until its first content (or its end) arrived, so any failure before that
 * is still an ordinary attempt failure the router can retry elsewhere: the client has seen nothing yet.
 * What follows is handed over as the outcome's chunks; a failure from there on travels inside the stream.
 */
export async function callStream(env: AttemptEnv, req: Readonly<ChatRequest>, route: Route, target: Target, opts: RouteOptions): Promise<Outcome> {
  const config = route.config
  const attempt = new AttemptSignal(opts.signal, target.provider.name, config.timeout_ms, config.first_token_timeout_ms)
  const log = opts.log
  const started = performance.now()
  const held: ChatCompletionChunk[] = []
  let iterator: AsyncIterator<ChatCompletionChunk> | undefined
  target.health.inFlight++
  try {
    const chunks = await target.provider.stream(req, target.model, { signal: attempt.signal, headers: opts.headers })
    iterator = chunks[Symbol.asyncIterator]()
    for (;;) {
      const next = await iterator.next()
      if (next.done) break
      held.push(next.value)
      if (hasContent(next.value)) break
    }
  } catch (err) {
    target.health.inFlight--
    log.upstreamMs += performance.now() - started
    attempt.done()
    await iterator?.return?.().catch(() => undefined)
    throw err
  }
  attempt.firstTokenArrived()
  log.upstreamMs += performance.now() - started
  return {
    kind: 'stream',
    chunks: new RelayedStream(env, target, iterator, held, attempt, opts),
    provider: target.provider.name,
    targetModel: target.model,
    attempts: 1,
  }
}

const DONE: IteratorResult<ChatCompletionChunk> = { done: true, value: undefined }

/**
 * The held chunks, then the rest of the upstream stream. Ends the upstream call however the stream ends:
 * read to its end, failed, or given up by the consumer through `return()`, which also works before the first
 * `next()` (a generator's would not run its cleanup then) and aborts an upstream read that is still waiting.
 */
class RelayedStream implements AsyncIterableIterator<ChatCompletionChunk> {
  private heldIndex = 0
  private open = true

  constructor(
    private readonly env: AttemptEnv,
    private readonly target: Target,
    private readonly upstream: AsyncIterator<ChatCompletionChunk>,
    private readonly held: ChatCompletionChunk[],
    private readonly attempt: AttemptSignal,
    private readonly opts: RouteOptions,
  ) {}

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (!this.open) return DONE
    if (this.heldIndex < this.held.length) return { done: false, value: this.held[this.heldIndex++]! }
    const t0 = performance.now()
    let next: IteratorResult<ChatCompletionChunk>
    try {
      next = await this.upstream.next()
    } catch (err) {
      this.opts.log.upstreamMs += performance.now() - t0
      // The client already has part of the answer: too late to fall back, but the target did fail.
      if (this.open && err instanceof UpstreamError && !this.opts.signal.aborted) {
        this.target.health.breaker.onFailure(this.env.now())
        this.env.onStreamFailure?.(this.target.health.info, err)
      }
      this.close()
      throw err
    }
    this.opts.log.upstreamMs += performance.now() - t0
    if (next.done) this.close()
    return next
  }

  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.open) {
      this.attempt.abort(new UpstreamError(this.target.provider.name, 'connection', 'the consumer stopped reading the stream'))
      this.close()
      await this.upstream.return?.().catch(() => undefined)
    }
    return DONE
  }

  private close(): void {
    if (!this.open) return
    this.open = false
    this.target.health.inFlight--
    this.attempt.done()
  }
}

/** Whether a chunk carries something the client would see: text, a refusal, a tool call, a finish, or usage alone. */
export function hasContent(chunk: ChatCompletionChunk): boolean {
  for (const c of chunk.choices) {
    if (c.finish_reason || c.delta.tool_calls?.length) return true
    if (typeof c.delta.content === 'string' && c.delta.content !== '') return true
    if (typeof c.delta.refusal === 'string' && c.delta.refusal !== '') return true
  }
  return chunk.choices.length === 0 && chunk.usage != null
}
