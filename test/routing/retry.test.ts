import { describe, expect, it } from 'vitest'
import { UpstreamError } from '../../src/providers/upstream-error.js'
import { backoffMs, compileFallbackOn, movesOn, waitsTooLong } from '../../src/routing/retry.js'

const err = (kind: 'http' | 'timeout' | 'connection' | 'protocol', status?: number, retryAfterMs?: number) =>
  new UpstreamError('p', kind, 'failed', { status, retryAfterMs })
const retries = { attempts: 3, backoff_ms: 100, max_backoff_ms: 1_000, max_retry_after_ms: 5_000 }

describe('movesOn', () => {
  it('without fallback_on, follows the error: timeouts, connection errors, invalid answers, 408/409/429/5xx', () => {
    const on = compileFallbackOn(undefined)
    for (const e of [err('timeout'), err('connection'), err('protocol', 502), err('http', 408), err('http', 409), err('http', 429), err('http', 500), err('http', 501), err('http', 529)])
      expect(movesOn(e, on)).toBe(true)
    for (const status of [400, 401, 402, 403, 404, 413, 422]) expect(movesOn(err('http', status), on)).toBe(false)
  })

  it('with fallback_on, exactly the listed statuses, timeouts and connection errors; an invalid answer counts as 502', () => {
    const on = compileFallbackOn([503, 401, 'timeout'])
    expect(movesOn(err('http', 503), on)).toBe(true)
    expect(movesOn(err('http', 401), on)).toBe(true)
    expect(movesOn(err('http', 500), on)).toBe(false)
    expect(movesOn(err('timeout'), on)).toBe(true)
    expect(movesOn(err('connection'), on)).toBe(false)
    expect(movesOn(err('protocol', 502), on)).toBe(false)
    expect(movesOn(err('protocol', 502), compileFallbackOn([502]))).toBe(true)
  })
})

describe('backoffMs', () => {
  it('is uniform in [0, min(max, base × 2^retry))', () => {
    const e = err('http', 503)
    expect([0, 1, 2, 3, 4].map((r) => backoffMs(retries, r, e, () => 0.999999))).toEqual([100, 200, 400, 800, 1_000].map((x) => x * 0.999999))
    expect(backoffMs(retries, 2, e, () => 0)).toBe(0)
    expect(backoffMs(retries, 2, e, () => 0.5)).toBe(200)
  })

  it("takes the upstream's Retry-After as is when within the cap; a longer one is for the caller to avoid", () => {
    expect(backoffMs(retries, 0, err('http', 429, 3_000), () => 0.5)).toBe(3_000)
    expect(waitsTooLong(retries, err('http', 429, 3_000))).toBe(false)
    expect(waitsTooLong(retries, err('http', 429, 5_001))).toBe(true)
    expect(waitsTooLong(retries, err('http', 503))).toBe(false)
  })
})
