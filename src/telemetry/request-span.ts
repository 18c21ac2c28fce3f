import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type TextMapGetter } from '@opentelemetry/api'
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions'
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from './gen-ai-attributes.js'
import type { ChatRequest } from '../providers/types.js'
import type { RequestLog } from '../request-log.js'
import { isFailure, isServerFailure } from './request-outcome.js'
import type { GenAiOperation, RequestTrace } from './request-trace.js'
import type { Tracing } from './tracing.js'
import type { UpstreamDirectory } from './upstream-directory.js'

const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

const OPERATION_BY_PATH: Record<string, GenAiOperation> = {
  '/v1/chat/completions': 'chat',
  '/v1/messages': 'chat',
  '/v1/embeddings': 'embeddings',
}

/**
 * Opens the request's span (kind SERVER), as a child of the caller's `traceparent` when it sent one.
 * Named `{method}` until the model is known; renamed `{gen_ai.operation.name} {gen_ai.request.model}` at the end.
 */
export function startRequestTrace(tracing: Tracing, upstreams: UpstreamDirectory, req: Request, path: string, requestId: string): RequestTrace {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, headersGetter)
  const operation = OPERATION_BY_PATH[path]
  const root = tracing.tracer.startSpan(
    operation ?? req.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_URL_PATH]: path,
        'switchyard.request_id': requestId,
        ...(operation && { [ATTR_GEN_AI_OPERATION_NAME]: operation }),
      },
    },
    parent,
  )
  return { tracing, upstreams, requestId, root, operation, ctx: trace.setSpan(parent, root), pendingUpstream: undefined, upstreamCalls: 0 }
}

/** Everything the request log knows, as GenAI and Switchyard attributes; then the span ends. */
export function endRequestTrace(rt: RequestTrace, log: RequestLog, status: number, request: ChatRequest | undefined, overheadMs: number | undefined): void {
  const { root, operation, upstreams, pendingUpstream } = rt
  // An upstream exchange the router never reported (it failed with something other than an upstream error).
  rt.pendingUpstream = undefined
  if (pendingUpstream?.endTime !== undefined) pendingUpstream.span.end(pendingUpstream.endTime)
  const a: Attributes = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status }
  if (log.model) {
    a[ATTR_GEN_AI_REQUEST_MODEL] = log.model
    if (operation) root.updateName(`${operation} ${log.model}`)
  }
  if (log.provider) a[ATTR_GEN_AI_PROVIDER_NAME] = upstreams.genAiProvider(log.provider)
  if (log.targetModel) a[ATTR_GEN_AI_RESPONSE_MODEL] = log.targetModel
  if (log.inputTokens !== undefined) a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = log.inputTokens
  if (log.outputTokens !== undefined) a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = log.outputTokens
  if (log.cachedInputTokens) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = log.cachedInputTokens
  if (log.finishReason) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [log.finishReason]
  if (log.stream !== undefined) a[ATTR_GEN_AI_REQUEST_STREAM] = log.stream
  if (log.ttftMs !== undefined) a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = log.ttftMs / 1000
  if (request) {
    const maxTokens = request.max_completion_tokens ?? request.max_tokens
    if (typeof maxTokens === 'number') a[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens
    if (typeof request.temperature === 'number') a[ATTR_GEN_AI_REQUEST_TEMPERATURE] = request.temperature
    if (typeof request.top_p === 'number') a[ATTR_GEN_AI_REQUEST_TOP_P] = request.top_p
  }
  if (log.keyName) a['switchyard.key_name'] = log.keyName
  if (log.team) a['switchyard.team'] = log.team
  if (log.cache) a['switchyard.cache'] = log.cache
  if (log.attempts !== undefined) a['switchyard.attempts'] = log.attempts
  if (log.fallbacks) a['switchyard.fallbacks'] = log.fallbacks
  if (log.costUsd !== undefined) a['switchyard.cost_usd'] = log.costUsd
  if (overheadMs !== undefined) a['switchyard.overhead_ms'] = overheadMs
  if (log.rejected) a['switchyard.rejected'] = log.rejected
  if (log.guardrails.length) a['switchyard.guardrails'] = log.guardrails.map((g) => `${g.rule}:${g.action}`)
  if (isFailure(log, status)) a[ATTR_ERROR_TYPE] = log.errorCode ?? String(status)
  root.setAttributes(a)
  if (isServerFailure(log, status)) root.setStatus({ code: SpanStatusCode.ERROR })
  root.end()
}
