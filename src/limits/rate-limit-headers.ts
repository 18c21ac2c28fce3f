import type { WindowState } from './backend.js'

/** OpenAI's reset format, a Go duration: "20ms", "1s", "6m0s", "1m30.5s", "1h2m3s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms))
  if (total < 1000) return `${total}ms`
  const h = Math.floor(total / 3_600_000)
  const m = Math.floor((total % 3_600_000) / 60_000)
  const s = (total % 60_000) / 1000
  const sec = `${Number(s.toFixed(3))}s`
  if (h > 0) return `${h}h${m}m${sec}`
  if (m > 0) return `${m}m${sec}`
  return sec
}

/** The window with the least room left speaks for its kind, as a single OpenAI limit would. */
function tightest(windows: readonly WindowState[], kind: 'rpm' | 'tpm'): WindowState | undefined {
  let best: WindowState | undefined
  for (const w of windows) {
    if (w.kind !== kind) continue
    if (!best || w.remaining < best.remaining || (w.remaining === best.remaining && w.resetMs > best.resetMs)) best = w
  }
  return best
}

/** x-ratelimit-* for the request and token windows that apply to this request (none when none apply). */
export function rateLimitHeaders(windows: readonly WindowState[]): Record<string, string> {
  const headers: Record<string, string> = {}
  const rpm = tightest(windows, 'rpm')
  if (rpm) {
    headers['x-ratelimit-limit-requests'] = String(rpm.limit)
    headers['x-ratelimit-remaining-requests'] = String(rpm.remaining)
    headers['x-ratelimit-reset-requests'] = formatDuration(rpm.resetMs)
  }
  const tpm = tightest(windows, 'tpm')
  if (tpm) {
    headers['x-ratelimit-limit-tokens'] = String(tpm.limit)
    headers['x-ratelimit-remaining-tokens'] = String(tpm.remaining)
    headers['x-ratelimit-reset-tokens'] = formatDuration(tpm.resetMs)
  }
  return headers
}

export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.max(1, Math.ceil(ms))) }
}
