import type { Readable } from 'node:stream'
import { Pool } from 'undici'
import { parseRetryAfter, UpstreamError } from './upstream-error.js'

export type UpstreamResponse<T> = { body: T; headers: Record<string, string | string[] | undefined> }

const MAX_ERROR_BODY = 64 * 1024

/**
 * One keep-alive connection pool per upstream base URL. Every call honours its AbortSignal
 * (client gone or attempt timed out) and every failure comes out as an UpstreamError, so
 * providers never see undici's own error types.
 */
export class HttpUpstream {
  private readonly pool: Pool
  private readonly prefix: string
  /** False after a call could not connect, true again after any answer (even an error status): /readyz shows it. */
  reachable = true

  constructor(
    readonly provider: string,
    baseUrl: string,
    private readonly headers: Record<string, string>,
    opts: { connections: number },
  ) {
    const url = new URL(baseUrl)
    this.prefix = url.pathname.replace(/\/+$/, '')
    // Timeouts come from the router's AbortSignal; undici's own would cut long generations.
    this.pool = new Pool(url.origin, {
      connections: opts.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    })
  }

  async postJson<T>(path: string, body: unknown, signal: AbortSignal, extraHeaders?: Record<string, string>): Promise<UpstreamResponse<T>> {
    const res = await this.send('POST', path, JSON.stringify(body), signal, extraHeaders)
    return { body: (await this.readJson(res.body, signal)) as T, headers: res.headers }
  }

  async getJson<T>(path: string, signal: AbortSignal, extraHeaders?: Record<string, string>): Promise<UpstreamResponse<T>> {
    const res = await this.send('GET', path, undefined, signal, extraHeaders)
    return { body: (await this.readJson(res.body, signal)) as T, headers: res.headers }
  }

  /** Resolves once the upstream answered 2xx; the body is then read chunk by chunk. */
  async postStream(
    path: string,
    body: unknown,
    signal: AbortSignal,
    extraHeaders?: Record<string, string>,
  ): Promise<UpstreamResponse<AsyncIterable<Uint8Array>>> {
    const res = await this.send('POST', path, JSON.stringify(body), signal, extraHeaders)
    return { body: this.guardStream(res.body, signal), headers: res.headers }
  }

  close(): Promise<void> {
    return this.pool.close()
  }

  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal, extra?: Record<string, string>) {
    let res
    try {
      res = await this.pool.request({
        path: this.prefix + path,
        method,
        body,
        signal,
        headers: body === undefined ? { ...this.headers, ...extra } : { 'content-type': 'application/json', ...this.headers, ...extra },
      })
    } catch (err) {
      const failure = this.failure(err, signal)
      if (failure instanceof UpstreamError && failure.kind === 'connection') this.reachable = false
      throw failure
    }
    this.reachable = true
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    const text = await readLimited(res.body, MAX_ERROR_BODY).catch(() => '')
    throw upstreamHttpError(this.provider, res.statusCode, text, (name) => headerValue(res.headers[name]))
  }

  private async readJson(body: AsyncIterable<Uint8Array> & { text(): Promise<string> }, signal: AbortSignal): Promise<unknown> {
    let text: string
    try {
      text = await body.text()
    } catch (err) {
      throw this.failure(err, signal)
    }
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new UpstreamError(this.provider, 'protocol', `${this.provider} returned a body that is not JSON`, { cause: err, status: 502 })
    }
  }

  private async *guardStream(body: Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    let ended = false
    try {
      // Not Node's default iterator: on an early return (a consumer stops at [DONE], which arrives just before
      // the body's end) it destroys the body with an AbortError whose stack trace costs ~60 µs per stream.
      for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) yield chunk
      ended = true
    } catch (err) {
      const failure = this.failure(err, signal)
      if (failure instanceof UpstreamError && failure.kind === 'connection')
        throw new UpstreamError(this.provider, 'connection', `lost the connection to ${this.provider} mid-answer`, { cause: err })
      throw failure
    } finally {
      if (!ended) release(body)
    }
  }

  private failure(err: unknown, signal: AbortSignal): Error {
    if (err instanceof UpstreamError) return err
    if (signal.aborted) return signal.reason instanceof Error ? signal.reason : new UpstreamError(this.provider, 'timeout', `${this.provider} call aborted`)
    const code = (err as { code?: string }).code
    return new UpstreamError(this.provider, 'connection', `could not reach ${this.provider}${code ? ` (${code})` : ''}`, { cause: err })
  }
}

/** Builds the UpstreamError for a non-2xx answer, reading OpenAI- or Anthropic-shaped bodies and anything else. */
export function upstreamHttpError(provider: string, status: number, text: string, header: (name: string) => string | undefined): UpstreamError {
  let message = `${provider} returned HTTP ${status}`
  let code: string | undefined
  let type: string | undefined
  let param: string | undefined
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } | string; message?: unknown }
    const e = parsed.error
    if (typeof e === 'object' && e) {
      if (typeof e.message === 'string' && e.message) message = e.message
      if (typeof e.type === 'string') type = e.type
      if (typeof e.code === 'string') code = e.code
      if (typeof e.param === 'string') param = e.param
    } else if (typeof e === 'string') message = e
    else if (typeof parsed.message === 'string') message = parsed.message
  } catch {
    // Not JSON (an HTML page from a proxy, say): keep the generic message.
  }
  return new UpstreamError(provider, 'http', message.slice(0, 2000), {
    status,
    code,
    type,
    param,
    retryAfterMs: parseRetryAfter(header),
    cause: text.slice(0, 2000),
  })
}

/** A body left before its end: if the upstream already sent all of it, drop the rest; else abort the call. */
function release(body: Readable): void {
  if ((body as Readable & { _readableState?: { ended?: boolean } })._readableState?.ended) body.resume()
  else body.destroy()
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

async function readLimited(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    if (size < limit) parts.push(Buffer.from(chunk))
    size += chunk.length
  }
  return Buffer.concat(parts).toString('utf8').slice(0, limit)
}
