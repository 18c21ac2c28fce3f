import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { GatewayError } from '../errors.js'
import { UpstreamError } from '../providers/upstream-error.js'

/**
 * What the caller sees when every attempt failed. Upstream auth failures are the operator's problem,
 * not the caller's: 502 naming the provider. Rate limits pass through with their Retry-After.
 */
export function mapUpstreamError(err: UpstreamError): GatewayError {
  const s = err.status
  const who = `upstream provider '${err.provider}'`
  if (err.kind === 'timeout') return new GatewayError(504, 'timeout_error', 'upstream_timeout', `${who} did not answer in time`, { cause: err })
  if (err.kind === 'connection') return new GatewayError(502, 'api_error', 'upstream_unreachable', `${who} could not be reached: ${err.message}`, { cause: err })
  if (err.kind === 'protocol') return new GatewayError(502, 'api_error', 'upstream_protocol_error', `${who} sent an invalid response`, { cause: err })
  if (s === 429) {
    const headers = err.retryAfterMs !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) } : undefined
    return new GatewayError(429, 'rate_limit_error', err.code ?? 'rate_limit_exceeded', `${who} is rate limiting requests; retry later`, { cause: err, headers })
  }
  if (s === 401 || s === 403)
    return new GatewayError(502, 'api_error', 'upstream_auth_failed', `${who} rejected the gateway's credentials; the operator must fix its API key`, { cause: err })
  if (s !== undefined && s >= 400 && s < 500 && s !== 408) {
    const status = s === 404 || s === 413 || s === 422 ? s : 400
    return new GatewayError(status, 'invalid_request_error', err.code ?? null, err.message, { cause: err, param: err.param ?? null })
  }
  // A local model that cannot serve (file missing, failed to load) says why in its own words; they name no secret.
  if (s === 503 && err.code === 'model_unavailable') return new GatewayError(503, 'api_error', 'model_unavailable', err.message, { cause: err })
  if (s === 529 || s === 503) return new GatewayError(502, 'overloaded_error', 'upstream_overloaded', `${who} is overloaded`, { cause: err })
  return new GatewayError(502, 'api_error', 'upstream_error', `${who} failed with HTTP ${s ?? 'error'}`, { cause: err })
}

export function toGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err
  if (err instanceof UpstreamError) return mapUpstreamError(err)
  return undefined
}

/**
 * The client went away before the answer was ready. Nobody reads this response; it makes the log line say
 * why the request ended (499, as nginx names it) instead of reporting an upstream failure.
 */
export function clientClosed(cause?: unknown): GatewayError {
  return new GatewayError(499 as ContentfulStatusCode, 'invalid_request_error', 'client_closed', 'The client closed the connection before the answer was ready.', { cause })
}
