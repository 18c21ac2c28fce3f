import type { Sample } from './drive.js'

export type Summary = {
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  /** Transport errors and non-2xx answers other than 429, over all requests. */
  errorRate: number
  /** `hit` or `semantic-hit` over the 2xx answers. */
  cacheHitRatio: number
  share429: number
  ttfbP50: number
  /** 2xx answers per `x-switchyard-provider`. */
  providers: Record<string, number>
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Latency percentiles are over 2xx answers only: a 429 answered in 0.2 ms would flatter them. */
export function summarize(samples: Sample[], seconds: number): Summary {
  const ok = samples.filter((s) => s.status >= 200 && s.status < 300)
  const lat = ok.map((s) => s.ms).sort((a, b) => a - b)
  const ttfb = ok.map((s) => s.ttfbMs).filter((n) => !Number.isNaN(n)).sort((a, b) => a - b)
  const limited = samples.filter((s) => s.status === 429).length
  const failed = samples.length - ok.length - limited
  const hits = ok.filter((s) => s.cache === 'hit' || s.cache === 'semantic-hit').length
  const providers: Record<string, number> = {}
  for (const s of ok) providers[s.provider ?? '-'] = (providers[s.provider ?? '-'] ?? 0) + 1
  const share = (n: number, of: number) => (of ? n / of : 0)
  return {
    requests: samples.length,
    rps: samples.length / seconds,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    errorRate: share(failed, samples.length),
    cacheHitRatio: share(hits, ok.length),
    share429: share(limited, samples.length),
    ttfbP50: percentile(ttfb, 50),
    providers,
  }
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-')
const pct = (n: number) => `${(n * 100).toFixed(1)}%`

export function table(rows: Array<[string, Summary]>): string {
  const head = ['scenario', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'cache hit', '429']
  const body = rows.map(([name, s]) => [name, String(s.requests), s.rps.toFixed(0), ms(s.p50), ms(s.p95), ms(s.p99), pct(s.errorRate), pct(s.cacheHitRatio), pct(s.share429)])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), ...body.map(line)].join('\n')
}
