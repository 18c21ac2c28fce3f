import http from 'node:http'

/** One answered (or failed) request as the scenarios count it. */
export type Sample = { status: number; ms: number; ttfbMs: number; cache: string | undefined; provider: string | undefined }

export type Request = { url: string; headers: Record<string, string>; body: string }

/** POSTs and reads the whole answer (a stream to its end); status 0 is a transport error. */
export function send(agent: http.Agent, r: Request): Promise<Sample> {
  const u = new URL(r.url)
  const start = performance.now()
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body), ...r.headers },
      },
      (res) => {
        let ttfbMs = NaN
        res.on('data', () => {
          if (Number.isNaN(ttfbMs)) ttfbMs = performance.now() - start
        })
        const header = (name: string) => (typeof res.headers[name] === 'string' ? (res.headers[name] as string) : undefined)
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - start, ttfbMs, cache: header('x-switchyard-cache'), provider: header('x-switchyard-provider') }),
        )
        res.on('error', () => resolve({ status: 0, ms: performance.now() - start, ttfbMs, cache: undefined, provider: undefined }))
      },
    )
    req.on('error', () => resolve({ status: 0, ms: performance.now() - start, ttfbMs: NaN, cache: undefined, provider: undefined }))
    req.end(r.body)
  })
}

/** Open loop: starts `rate` requests a second whatever the answers do, for `seconds`. */
export async function openLoop(rate: number, seconds: number, next: (i: number) => Request): Promise<Sample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })
  const pending: Promise<Sample>[] = []
  const start = performance.now()
  for (let i = 0; i < Math.floor(rate * seconds); i++) {
    const wait = start + (i * 1000) / rate - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    pending.push(send(agent, next(i)))
  }
  const samples = await Promise.all(pending)
  agent.destroy()
  return samples
}

/** Closed loop: `concurrency` workers each send the next request as soon as the last one ends, for `seconds`. */
export async function closedLoop(concurrency: number, seconds: number, next: (i: number) => Request, onTick?: (elapsedMs: number) => void): Promise<Sample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const samples: Sample[] = []
  const start = performance.now()
  const end = start + seconds * 1000
  let i = 0
  const worker = async () => {
    while (performance.now() < end) {
      onTick?.(performance.now() - start)
      samples.push(await send(agent, next(i++)))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return samples
}
