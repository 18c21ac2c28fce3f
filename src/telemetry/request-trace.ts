import type { Context, Span } from '@opentelemetry/api'
import type { RequestLog } from '../request-log.js'
import type { Tracing } from './tracing.js'
import type { UpstreamDirectory } from './upstream-directory.js'

export type GenAiOperation = 'chat' | 'embeddings'

type PendingUpstream = { readonly span: Span; endTime: number | undefined }

/** What one traced request shares between its request span, its step spans and its upstream spans. */
export type RequestTrace = {
  readonly tracing: Tracing
  readonly upstreams: UpstreamDirectory
  readonly requestId: string
  readonly root: Span
  readonly operation: GenAiOperation | undefined
  /**
   * The innermost open span's context: each step span sets it for the steps after it and puts the previous one
   * back when it ends. A request's steps run one inside the other, never side by side, so one slot is enough.
   */
  ctx: Context
  /**
   * The upstream HTTP span opened since the router last reported an attempt: the router's hook names it after
   * the target. A JSON answer's HTTP exchange is over before the router hears of it, so its end time is kept
   * here and the hook ends it; a stream's is still open then and ends with the stream.
   */
  pendingUpstream: PendingUpstream | undefined
  upstreamCalls: number
}

// How code that knows nothing of Hono's context finds a request's trace: steps and the router's hooks by the
// request's log record, undici's diagnostics channel by the x-request-id header every upstream call carries.
// Explicit lookups rather than AsyncLocalStorage, whose promise hooks would tax every await in the process
// (measured at several hundred microseconds of CPU per request on this chain).
const byLog = new WeakMap<RequestLog, RequestTrace>()
const byRequestId = new Map<string, { trace: RequestTrace | null; requests: number }>()

export function registerTrace(log: RequestLog, trace: RequestTrace): void {
  byLog.set(log, trace)
  // Two requests in flight with the same caller-chosen id cannot be told apart: neither gets upstream spans.
  const same = byRequestId.get(trace.requestId)
  byRequestId.set(trace.requestId, same ? { trace: null, requests: same.requests + 1 } : { trace, requests: 1 })
}

export function unregisterTrace(log: RequestLog, trace: RequestTrace): void {
  byLog.delete(log)
  const entry = byRequestId.get(trace.requestId)
  if (entry && --entry.requests === 0) byRequestId.delete(trace.requestId)
}

export function traceOf(log: RequestLog): RequestTrace | undefined {
  return byLog.get(log)
}

export function traceByRequestId(requestId: string): RequestTrace | undefined {
  return byRequestId.get(requestId)?.trace ?? undefined
}
