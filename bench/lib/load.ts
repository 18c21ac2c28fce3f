import { execFile, execFileSync } from 'node:child_process'
import http from 'node:http'

/** `errorKinds`: how the errors ended (`http 503`, `ECONNRESET`, `stream cut`), where the load tool can tell. */
export type Summary = { count: number; errors: number; errorKinds: Record<string, number>; rps: number; p50: number; p90: number; p99: number; max: number }

export const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 32 })
const STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 32, stream: true })

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** The median of repeated figures (rounds of one measurement). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function summarize(latencies: number[], errors: number, seconds: number, errorKinds: Record<string, number> = {}): Summary {
  const s = [...latencies].sort((a, b) => a - b)
  return { count: s.length, errors, errorKinds, rps: s.length / seconds, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN }
}

export type Target = { url: string; headers: Record<string, string> }

class ErrorTally {
  count = 0
  readonly kinds: Record<string, number> = {}
  add(kind = 'unknown'): void {
    this.count++
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1
  }
}

type Outcome = { ok: boolean; ms: number; kind?: string }

function post(agent: http.Agent, t: Target, body: string, onFirstByte?: (ms: number) => void): Promise<Outcome> {
  const u = new URL(t.url)
  const start = performance.now()
  return new Promise((resolve) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...t.headers } },
      (res) => {
        let first = true
        res.on('data', () => {
          if (first && onFirstByte) onFirstByte(performance.now() - start)
          first = false
        })
        res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - start, kind: res.statusCode === 200 ? undefined : `http ${res.statusCode}` }))
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, ms: performance.now() - start, kind: `response ${err.code ?? err.message}` }))
      },
    )
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, ms: performance.now() - start, kind: err.code ?? err.message }))
    req.end(body)
  })
}

/** Open loop: requests are sent at a fixed rate whatever the answers do; latency from the actual send. */
export async function fixedRate(t: Target, rate: number, seconds: number, warmupSeconds = 2): Promise<Summary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const lat: number[] = []
  const errors = new ErrorTally()
  const pending: Promise<void>[] = []
  const start = performance.now()
  const total = Math.floor(rate * (seconds + warmupSeconds))
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const record = i >= rate * warmupSeconds
    pending.push(
      post(agent, t, BODY).then((r) => {
        if (!record) return
        if (r.ok) lat.push(r.ms)
        else errors.add(r.kind)
      }),
    )
  }
  await Promise.all(pending)
  agent.destroy()
  return summarize(lat, errors.count, seconds, errors.kinds)
}

/** Closed loop at `connections` concurrent requests: the most the target sustains. */
export async function maxThroughput(t: Target, connections: number, seconds: number, warmupSeconds = 2): Promise<Summary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const lat: number[] = []
  const errors = new ErrorTally()
  const warmEnd = performance.now() + warmupSeconds * 1000
  const end = warmEnd + seconds * 1000
  const worker = async () => {
    while (performance.now() < end) {
      const r = await post(agent, t, BODY)
      if (performance.now() < warmEnd) continue
      if (r.ok) lat.push(r.ms)
      else errors.add(r.kind ?? 'no body')
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  agent.destroy()
  return summarize(lat, errors.count, seconds, errors.kinds)
}

/** Streams at fixed concurrency: time to first byte of the body. */
export async function streamTtfb(t: Target, concurrency: number, seconds: number, warmupSeconds = 2): Promise<Summary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const ttfb: number[] = []
  const errors = new ErrorTally()
  const warmEnd = performance.now() + warmupSeconds * 1000
  const end = warmEnd + seconds * 1000
  const worker = async () => {
    while (performance.now() < end) {
      let first = NaN
      const r = await post(agent, t, STREAM_BODY, (ms) => (first = ms))
      if (performance.now() < warmEnd) continue
      if (r.ok && !Number.isNaN(first)) ttfb.push(first)
      else errors.add(r.kind ?? 'no body')
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return summarize(ttfb, errors.count, seconds, errors.kinds)
}

/** wrk (Debian's package) on PATH: a C load generator that outruns any gateway here, unlike a Node loop. */
export const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary throws ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'
  }
})()

/** Closed loop at `connections` through wrk (one thread); same Summary as maxThroughput. */
export function wrkThroughput(t: Target, connections: number, seconds: number, warmupSeconds = 2): Promise<Summary> {
  const headers = Object.entries(t.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
  const run = (secs: number) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        'wrk',
        ['-t1', `-c${connections}`, `-d${secs}s`, '-s', new URL('./wrk-post.lua', import.meta.url).pathname, ...headers, t.url],
        { env: { ...process.env, BENCH_BODY: BODY } },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    )
  return (warmupSeconds > 0 ? run(warmupSeconds) : Promise.resolve('')).then(async () => {
    const out = await run(seconds)
    const line = out.trim().split('\n').at(-1)!
    const r = JSON.parse(line) as { requests: number; seconds: number; p50: number; p99: number; max: number; errors: number; kinds: Record<string, number> }
    const errorKinds = Object.fromEntries(Object.entries(r.kinds).filter(([, n]) => n > 0))
    return { count: r.requests, errors: r.errors, errorKinds, rps: r.requests / r.seconds, p50: r.p50, p90: NaN, p99: r.p99, max: r.max }
  })
}
