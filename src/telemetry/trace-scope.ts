import { AsyncLocalStorage } from 'node:async_hooks'
import type { Context, Span } from '@opentelemetry/api'
import type { Tracing } from './tracing.js'
import type { UpstreamDirectory } from './upstream-directory.js'

export type GenAiOperation = 'chat' | 'embeddings'

export type PendingUpstream = { readonly span: Span; endTime: number | undefined }

/** What one traced request shares between its request span, its step spans and its upstream spans. */
export type RequestTrace = {
  readonly tracing: Tracing
  readonly upstreams: UpstreamDirectory
  readonly requestId: string
  readonly root: Span
  readonly operation: GenAiOperation | undefined
  /**
   * The upstream HTTP span opened since the router last reported an attempt: the router's hook names it after
   * the target. A JSON answer's HTTP exchange is over before the router hears of it, so its end time is kept
   * here and the hook ends it; a stream's is still open then and ends with the stream.
   */
  pendingUpstream: PendingUpstream | undefined
  upstreamCalls: number
}

/** The active span's context (the innermost step) and the request it belongs to. */
export type TraceScope = { readonly ctx: Context; readonly request: RequestTrace }

/**
 * Carries the current trace through the request's async calls, so that the router's hooks and undici's
 * diagnostics channel (which know nothing of Hono's context) find the span to parent to. Only entered
 * when tracing is on: with tracing off nothing ever calls `run`, and `getStore()` stays undefined.
 */
export const traceScope = new AsyncLocalStorage<TraceScope>()
