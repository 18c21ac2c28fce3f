import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/** What the fake does for one request. Unset fields fall back to the server's defaults. */
export type Script = {
  status?: number
  /** Error body fields for a non-2xx status. */
  error?: { message?: string; type?: string; code?: string | null }
  /** Raw body instead of a JSON error (e.g. an HTML page from a proxy). */
  rawBody?: string
  headers?: Record<string, string>
  /** Delay before the status line. */
  latencyMs?: number
  /** The answer text, or a function of the request. */
  content?: string | ((req: Record<string, unknown>) => string)
  /** Split the answer into this many stream chunks (default: one per word). */
  chunks?: number
  chunkIntervalMs?: number
  /** Delay between the stream's headers and its first content chunk. */
  firstTokenDelayMs?: number
  toolCalls?: Array<{ name: string; arguments: string }>
  finishReason?: string
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number }
  /** Destroy the connection after this many content chunks (a cut mid-stream). */
  cutAfterChunks?: number
  /** Send an event whose data is not JSON after the first chunk. */
  malformed?: boolean
  /** Destroy the socket before answering (connection reset). */
  reset?: boolean
  /** Never answer. */
  hang?: boolean
}

export type RecordedRequest = {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown> | undefined
}

export type FakeOpenAI = {
  id: string
  port: number
  /** http://127.0.0.1:PORT/v1 */
  baseURL: string
  requests: RecordedRequest[]
  /** Requests whose client went away before the answer was complete. */
  aborted: number
  inFlight: number
  next(...scripts: Script[]): void
  setDefault(script: Script): void
  reset(): void
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages ?? []) as Array<{ role: string; content: unknown }>
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    if (m.role !== 'user') continue
    if (typeof m.content === 'string') return m.content
    if (Array.isArray(m.content)) return m.content.map((p: { text?: string }) => p.text ?? '').join('')
  }
  return ''
}

function countTokens(body: Record<string, unknown>): number {
  return JSON.stringify(body.messages ?? body.input ?? '').split(/\s+/).length
}

/** Splits text into n pieces of near-equal length (n ≤ length), keeping every character. */
function split(text: string, n: number | undefined): string[] {
  if (!n) return text.match(/\S+\s*|\s+/g) ?? ['']
  const parts: string[] = []
  const size = Math.ceil(text.length / n)
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size))
  return parts.length ? parts : ['']
}

/** A fake OpenAI API server on 127.0.0.1 that speaks the real wire format, scripted per request. */
export async function startFakeOpenAI(opts: { id?: string; port?: number; defaults?: Script; record?: boolean } = {}): Promise<FakeOpenAI> {
  const id = opts.id ?? 'openai'
  let defaults: Script = opts.defaults ?? {}
  let queue: Script[] = []
  const state = { aborted: 0, inFlight: 0 }
  const requests: RecordedRequest[] = []
  let seq = 0

  const rateHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-limit-tokens': '2000000',
    'x-ratelimit-remaining-tokens': '1999000',
    'x-ratelimit-reset-tokens': '30ms',
    'x-fake-upstream': id,
  })

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: Record<string, unknown> | undefined
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined
    } catch {
      body = undefined
    }
    if (opts.record !== false) requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body })
    const s: Script = { ...defaults, ...queue.shift() }
    if (s.reset) return req.socket.destroy()
    if (s.hang) return
    if (s.latencyMs) await sleep(s.latencyMs)
    const headers = { ...rateHeaders(), ...s.headers }
    const status = s.status ?? 200
    if (status >= 400) {
      if (s.rawBody !== undefined) {
        res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(s.rawBody)
        return
      }
      const error = { message: `fake ${id} error ${status}`, type: status === 429 ? 'rate_limit_error' : 'api_error', code: null, param: null, ...s.error }
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error }))
      return
    }
    const path = (req.url ?? '').replace(/\?.*$/, '')
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(
        JSON.stringify({ object: 'list', data: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'].map((m) => ({ id: m, object: 'model', created: 0, owned_by: id })) }),
      )
      return
    }
    if (req.method === 'POST' && path === '/v1/embeddings' && body) {
      const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input]
      const data = inputs.map((text, index) => {
        const s = JSON.stringify(text)
        const v = Array.from({ length: 8 }, (_, i) => ((s.charCodeAt(i % s.length) * (i + 1)) % 97) / 97)
        const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
        return { object: 'embedding', index, embedding }
      })
      const tokens = countTokens(body)
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(
        JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }),
      )
      return
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions' || !body) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: null, param: null } }))
      return
    }
    const content = typeof s.content === 'function' ? s.content(body) : (s.content ?? `Hello from ${id}!`)
    const promptTokens = s.usage?.prompt_tokens ?? countTokens(body)
    const pieces = split(content, s.chunks)
    const completionTokens = s.usage?.completion_tokens ?? pieces.length
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: s.usage?.cached_tokens ?? 0 },
    }
    const finish = s.finishReason ?? (s.toolCalls ? 'tool_calls' : 'stop')
    const base = { id: `chatcmpl-${id}-${++seq}`, created: Math.floor(Date.now() / 1000), model: String(body.model), system_fingerprint: 'fp_fake' }
    const toolCalls = s.toolCalls?.map((t, i) => ({ id: `call_${id}_${seq}_${i}`, type: 'function', function: t }))
    if (!body.stream) {
      const message = { role: 'assistant', content: toolCalls ? null : content, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(
        JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage }),
      )
      return
    }
    state.inFlight++
    let done = false
    res.on('close', () => {
      state.inFlight--
      if (!done) state.aborted++
    })
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers })
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra })}\n\n`
    const write = (text: string) => !res.destroyed && res.write(text)
    if (s.firstTokenDelayMs) await sleep(s.firstTokenDelayMs)
    write(chunk({ role: 'assistant', content: '', refusal: null }))
    if (toolCalls) {
      for (const [i, t] of toolCalls.entries()) {
        write(chunk({ tool_calls: [{ index: i, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }] }))
        for (const part of split(t.function.arguments, 3)) write(chunk({ tool_calls: [{ index: i, function: { arguments: part } }] }))
      }
    } else {
      for (const [i, piece] of pieces.entries()) {
        if (res.destroyed) return
        if (s.cutAfterChunks !== undefined && i >= s.cutAfterChunks) return void req.socket.end()
        if (i > 0 && s.chunkIntervalMs) await sleep(s.chunkIntervalMs)
        write(chunk({ content: piece }))
        if (i === 0 && s.malformed) write('data: {"id": not json}\n\n')
      }
    }
    if (s.cutAfterChunks !== undefined && s.cutAfterChunks >= pieces.length) return void req.socket.end()
    write(chunk({}, finish))
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined
    if (streamOptions?.include_usage) write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`)
    done = true
    res.end('data: [DONE]\n\n')
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      handle(req, res, Buffer.concat(parts).toString('utf8')).catch(() => res.destroy())
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    id,
    port,
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get aborted() {
      return state.aborted
    },
    get inFlight() {
      return state.inFlight
    },
    next: (...scripts) => void queue.push(...scripts),
    setDefault: (script) => void (defaults = script),
    reset: () => {
      queue = []
      requests.length = 0
      state.aborted = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// As a process (bench, load tests): tsx test/upstreams/fake-openai.ts --port 9000
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name)
    return i > 0 ? Number(process.argv[i + 1]) : undefined
  }
  const fake = await startFakeOpenAI({
    id: 'fake-openai',
    port: arg('--port') ?? 0,
    record: false,
    defaults: { content: 'Hello! How can I help you today?', chunks: arg('--chunks') ?? 20, chunkIntervalMs: arg('--chunk-interval-ms') ?? 0 },
  })
  process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`)
}
