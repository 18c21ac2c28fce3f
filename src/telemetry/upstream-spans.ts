import diagnostics from 'node:diagnostics_channel'
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions'
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME } from './gen-ai-attributes.js'
import { traceByRequestId, type RequestTrace } from './request-trace.js'

// One client span per upstream HTTP call, opened from undici's diagnostics channels (the mechanism OTel's own
// undici instrumentation uses): the providers and the router stay free of tracing code, and the span's
// traceparent is written into the very request that goes out. Subscribed only while some gateway in this
// process has tracing on.

/** The parts of undici's request object the channels hand out (documented in undici's DiagnosticsChannel.md). */
type UndiciRequest = {
  origin: string
  method: string
  path: string
  /** Flat [name, value, name, value, …] list, names as the caller spelled them. */
  headers: string[] | string
  addHeader(name: string, value: string): UndiciRequest
}

const spans = new WeakMap<UndiciRequest, { span: Span; trace: RequestTrace }>()
const now = () => performance.timeOrigin + performance.now()
const carrierSetter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) }

function headerValue(headers: UndiciRequest['headers'], name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1]
  return undefined
}

/** Replaces a header the caller set (the route step forwards the client's own traceparent) or adds it. */
function setHeader(request: UndiciRequest, name: string, value: string): void {
  const headers = request.headers
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]!.toLowerCase() === name) {
        headers[i + 1] = value
        return
      }
    }
  }
  request.addHeader(name, value)
}

function onCreate(message: unknown): void {
  const request = (message as { request: UndiciRequest }).request
  // Every upstream call of a request carries its x-request-id (the route step sets it): that names the request.
  const requestId = headerValue(request.headers, 'x-request-id')
  const rt = requestId === undefined ? undefined : traceByRequestId(requestId)
  if (!rt) return
  const upstream = rt.upstreams.match(request.origin, request.path)
  if (!upstream) return
  rt.upstreamCalls++
  const span = rt.tracing.tracer.startSpan(
    `${rt.operation ?? request.method} ${upstream.name}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_FULL]: request.origin + request.path,
        [ATTR_SERVER_ADDRESS]: upstream.host,
        [ATTR_SERVER_PORT]: upstream.port,
        [ATTR_GEN_AI_PROVIDER_NAME]: upstream.genAiProvider,
        ...(rt.operation && { [ATTR_GEN_AI_OPERATION_NAME]: rt.operation }),
        'switchyard.provider': upstream.name,
        'switchyard.attempt': rt.upstreamCalls,
      },
    },
    rt.ctx,
  )
  rt.pendingUpstream = { span, endTime: undefined }
  spans.set(request, { span, trace: rt })
  const carrier: Record<string, string> = {}
  rt.tracing.propagator.inject(trace.setSpan(rt.ctx, span), carrier, carrierSetter)
  for (const name in carrier) setHeader(request, name, carrier[name]!)
}

function onHeaders(message: unknown): void {
  const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } }
  const span = spans.get(request)?.span
  if (!span) return
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode)
  if (response.statusCode >= 400) {
    span.setAttribute(ATTR_ERROR_TYPE, String(response.statusCode))
    span.setStatus({ code: SpanStatusCode.ERROR })
  }
}

/** Ends the span, unless the router has yet to name it: then the router's hook ends it with this time. */
function finish(request: UndiciRequest): Span | undefined {
  const entry = spans.get(request)
  if (!entry) return undefined
  spans.delete(request)
  const pending = entry.trace.pendingUpstream
  if (pending?.span === entry.span) pending.endTime = now()
  else entry.span.end()
  return entry.span
}

function onTrailers(message: unknown): void {
  finish((message as { request: UndiciRequest }).request)
}

function onError(message: unknown): void {
  const { request, error } = message as { request: UndiciRequest; error: Error & { code?: string } }
  const span = spans.get(request)?.span
  if (!span) return
  span.setAttribute(ATTR_ERROR_TYPE, error.code ?? error.name)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.name })
  finish(request)
}

const CHANNELS: Array<[string, (message: unknown) => void]> = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:trailers', onTrailers],
  ['undici:request:error', onError],
]

let users = 0

/** Starts listening while at least one tracing instance needs it; the returned function stops this use. */
export function useUpstreamSpans(): () => void {
  if (users++ === 0) for (const [name, fn] of CHANNELS) diagnostics.subscribe(name, fn)
  let released = false
  return () => {
    if (released) return
    released = true
    if (--users === 0) for (const [name, fn] of CHANNELS) diagnostics.unsubscribe(name, fn)
  }
}
