import type { ModelConfig } from '../config/schema.js'
import type { UpstreamError } from '../providers/upstream-error.js'

/** What `fallback_on` lists, compiled: status codes, plus whether timeouts and connection errors count. */
export type FallbackOn = { statuses: ReadonlySet<number>; timeout: boolean; connection: boolean }

/** Compiled once per config load; undefined when the model leaves the decision to the error itself. */
export function compileFallbackOn(list: ReadonlyArray<number | 'timeout' | 'connection'> | undefined): FallbackOn | undefined {
  if (!list) return undefined
  return {
    statuses: new Set(list.filter((i): i is number => typeof i === 'number')),
    timeout: list.includes('timeout'),
    connection: list.includes('connection'),
  }
}

/**
 * Whether a failure lets the router try again (same target or the next). Without `fallback_on` the error
 * decides: timeouts, connection errors, invalid answers, 408, 409, 429 and 5xx move on, the caller's own
 * 4xx never does (another target would refuse the same request). With `fallback_on`, the list decides;
 * an invalid answer (malformed body or stream) counts as its status, 502.
 */
export function movesOn(err: UpstreamError, on: FallbackOn | undefined): boolean {
  if (!on) return err.retryable
  if (err.kind === 'timeout') return on.timeout
  if (err.kind === 'connection') return on.connection
  return on.statuses.has(err.status ?? 502)
}

/**
 * How long to wait before retrying the same target: the upstream's Retry-After when it sent one within
 * `max_retry_after_ms`, else exponential backoff with full jitter (uniform in [0, min(max, base × 2^retry))).
 */
export function backoffMs(retries: ModelConfig['retries'], retry: number, err: UpstreamError, random: () => number): number {
  if (err.retryAfterMs !== undefined && err.retryAfterMs <= retries.max_retry_after_ms) return err.retryAfterMs
  return random() * Math.min(retries.max_backoff_ms, retries.backoff_ms * 2 ** retry)
}

/** A Retry-After longer than the route will wait: the target is better left alone for that long. */
export function waitsTooLong(retries: ModelConfig['retries'], err: UpstreamError): boolean {
  return err.retryAfterMs !== undefined && err.retryAfterMs > retries.max_retry_after_ms
}
