export type UpstreamFailure = 'http' | 'timeout' | 'connection' | 'protocol'

/**
 * A failed upstream call. It carries the retry decision so the router only has to ask:
 * no status (timeout, reset, refused) or 408/409/429/5xx → retry or fall back; a 4xx the caller caused → never.
 */
export class UpstreamError extends Error {
  readonly retryable: boolean
  readonly status: number | undefined
  readonly kind: UpstreamFailure
  readonly provider: string
  /** Parsed from Retry-After / retry-after-ms, in milliseconds. */
  readonly retryAfterMs: number | undefined
  /** The upstream's error code and type, when it sent a JSON error body. */
  readonly code: string | undefined
  readonly upstreamType: string | undefined
  readonly param: string | undefined

  constructor(
    provider: string,
    kind: UpstreamFailure,
    message: string,
    opts: {
      status?: number
      cause?: unknown
      retryable?: boolean
      retryAfterMs?: number
      code?: string
      type?: string
      param?: string
    } = {},
  ) {
    super(message, { cause: opts.cause })
    this.provider = provider
    this.kind = kind
    this.status = opts.status
    this.retryAfterMs = opts.retryAfterMs
    this.code = opts.code
    this.upstreamType = opts.type
    this.param = opts.param
    const s = opts.status
    this.retryable = opts.retryable ?? (s === undefined || s === 408 || s === 409 || s === 429 || s >= 500)
  }
}

/** Parses `retry-after-ms`, then `retry-after` (seconds or an HTTP date), into milliseconds. */
export function parseRetryAfter(get: (name: string) => string | null | undefined): number | undefined {
  const ms = get('retry-after-ms')
  if (ms) {
    const v = Number(ms)
    if (Number.isFinite(v) && v >= 0) return v
  }
  const ra = get('retry-after')
  if (!ra) return undefined
  const secs = Number(ra)
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000
  const date = Date.parse(ra)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
