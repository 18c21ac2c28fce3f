import { UpstreamError } from '../upstream-error.js'
import { anthropicErrorStatus, type AnthropicErrorType } from './anthropic-api.js'
import { UnsupportedFeatureError } from './unsupported-feature-error.js'

/**
 * Anthropic names its errors by `error.type` only (no `code`), so the type becomes the code the
 * gateway reports. The shared HTTP client has already parsed status, message, type and Retry-After
 * (and coped with bodies that are not JSON); this adds the code and leaves everything else as is.
 */
export function withAnthropicCode(err: unknown): unknown {
  if (!(err instanceof UpstreamError) || err.code !== undefined || err.upstreamType === undefined) return err
  return new UpstreamError(err.provider, err.kind, err.message, {
    status: err.status,
    cause: err.cause,
    retryable: err.retryable,
    retryAfterMs: err.retryAfterMs,
    code: err.upstreamType,
    type: err.upstreamType,
    param: err.param,
  })
}

/**
 * An `event: error` inside a stream (e.g. overloaded_error while generating). The HTTP status was
 * already 200, so the status is the one Anthropic gives that error type outside a stream.
 */
export function anthropicStreamError(provider: string, data: unknown): UpstreamError {
  const error = (data as { error?: { type?: unknown; message?: unknown } } | null)?.error
  const type = typeof error?.type === 'string' ? error.type : 'api_error'
  const message = typeof error?.message === 'string' && error.message ? error.message.slice(0, 2000) : `${provider} reported an error mid-stream`
  const status = anthropicErrorStatus[type as AnthropicErrorType] ?? 502
  return new UpstreamError(provider, 'http', message, { status, code: type, type })
}

/** A request Anthropic cannot express is the client's problem: 400, never retried on this target. */
export function unsupportedFeature(provider: string, err: UnsupportedFeatureError): UpstreamError {
  return new UpstreamError(provider, 'http', err.message, {
    status: 400,
    retryable: false,
    code: 'unsupported_parameter',
    type: 'invalid_request_error',
    param: err.param,
  })
}
