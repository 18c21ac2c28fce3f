import type { Principal } from '../app-env.js'
import { GatewayError } from '../errors.js'
import type { AdmitResult } from './backend.js'
import { retryAfterHeaders } from './rate-limit-headers.js'

// What a refused admission looks like to the client: OpenAI's 429 shapes, with the scope that refused named
// (key and team names, model names; never the key itself).

/** The key's record changed after it was cached: refresh the principal and admit again. */
export class StaleKey extends Error {
  constructor() {
    super('the key record changed')
  }
}

export function limitsUnavailable(cause: unknown): GatewayError {
  return new GatewayError(503, 'api_error', 'limits_unavailable', 'Rate limits cannot be checked right now; try again shortly.', {
    cause,
    headers: retryAfterHeaders(1000),
  })
}

function describeScope(scope: string | undefined, principal: Principal): string {
  if (!scope) return 'this key'
  if (scope.startsWith('k:')) return `key '${principal.name}'`
  if (scope.startsWith('t:')) return `team '${principal.team}'`
  if (scope.startsWith('km:')) return `model '${scope.slice(scope.indexOf('\u0000') + 1)}' for key '${principal.name}'`
  return `model '${scope.slice(2)}'`
}

export function refusal(r: Extract<AdmitResult, { ok: false }>, headers: Record<string, string>, principal: Principal, model: string): Error {
  if (r.reason === 'stale') return new StaleKey()
  if (r.reason === 'revoked') return new GatewayError(401, 'authentication_error', 'invalid_api_key', 'This API key has been revoked.')
  if (r.reason === 'expired') return new GatewayError(401, 'authentication_error', 'invalid_api_key', 'This API key has expired.')
  const where = describeScope(r.scope, principal)
  const retry = r.retryAfterMs !== undefined ? retryAfterHeaders(r.retryAfterMs) : {}
  const wait = r.retryAfterMs !== undefined ? ` Please try again in ${Math.max(1, Math.ceil(r.retryAfterMs / 1000))}s.` : ''
  const opts = { headers: { ...headers, ...retry } }
  switch (r.reason) {
    case 'budget':
      return new GatewayError(429, 'rate_limit_error', 'budget_exceeded', `The budget of ${where} is exhausted for this period.${wait}`, opts)
    case 'too_large':
      return new GatewayError(429, 'rate_limit_error', 'rate_limit_exceeded', `Request too large for ${model} on tokens per min (TPM) of ${where}: Limit ${r.limit}. Reduce the prompt or max_tokens.`, opts)
    case 'concurrency':
      return new GatewayError(429, 'rate_limit_error', 'concurrency_limit_exceeded', `Too many requests in flight for ${where}: Limit ${r.limit}.${wait}`, opts)
    case 'rpm':
      return new GatewayError(429, 'rate_limit_error', 'rate_limit_exceeded', `Rate limit reached for ${where} on requests per min (RPM): Limit ${r.limit}.${wait}`, opts)
    case 'tpm':
      return new GatewayError(429, 'rate_limit_error', 'rate_limit_exceeded', `Rate limit reached for ${where} on tokens per min (TPM): Limit ${r.limit}.${wait}`, opts)
  }
}
