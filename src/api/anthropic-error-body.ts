import type { GatewayError } from '../errors.js'

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  415: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
}

/** Anthropic's error shape: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(err: GatewayError) {
  return { type: 'error', error: { type: err.type === 'overloaded_error' || err.type === 'timeout_error' ? err.type : (TYPES[err.status] ?? 'api_error'), message: err.message } }
}
