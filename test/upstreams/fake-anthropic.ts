import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/**
 * What the fake does for one request. Unset fields fall back to the server's defaults.
 * Knob names follow test/upstreams/fake-openai.ts; values are Anthropic's (stop reasons, usage fields).
 */
export type Script = {
  status?: number
  /** Error body fields for a non-2xx status, or for the stream error with `streamErrorAfterChunks`. */
  error?: { message?: string; type?: string }
  /** Raw body instead of a JSON error (e.g. an HTML page from a proxy). */
  rawBody?: string
  headers?: Record<string, string>
  /** Delay before the status line. */
  latencyMs?: number
  /** The answer text, or a function of the request. With toolCalls, text is only sent when set. */
  content?: string | ((req: Record<string, unknown>) => string)
  /** Split the answer into this many text deltas (default: one per word). */
  chunks?: number
  chunkIntervalMs?: number
  /** Delay between the stream's headers and its first content event. */
  firstTokenDelayMs?: number
  /** tool_use blocks after the text; `arguments` is the JSON text of the input, streamed in 3 input_json_delta pieces. */
  toolCalls?: Array<{ name: string; arguments: string; id?: string }>
  /** Anthropic stop_reason (default end_turn, or tool_use with toolCalls). */
  stopReason?: string
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number }
  /** Destroy the connection after this many text deltas (a cut mid-stream). */
  cutAfterChunks?: number
  /** Send an event whose data is not JSON after the first text delta. */
  malformed?: boolean
  /** Send `event: error` (type from `error`, default overloaded_error) after this many text deltas. */
  streamErrorAfterChunks?: number
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

export type FakeAnthropic = {
  id: string
  port: number
  /** http://127.0.0.1:PORT: the API root, as Anthropic's base URL is (the SDK and the provider add /v1). */
  baseURL: string
  requests: RecordedRequest[]
  /** Streams whose client went away before the answer was complete. */
  aborted: number
  inFlight: number
  next(...scripts: Script[]): void
  setDefault(script: Script): void
  reset(): void
  close(): Promise<void>
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
}

const MODELS = ['claude-3-5-haiku-latest', 'claude-sonnet-4-5', 'claude-opus-4-1']

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const requestId = () => `req_${randomBytes(12).toString('hex')}`

function countTokens(body: Record<string, unknown>): number {
  return JSON.stringify([body.system ?? '', body.messages ?? '']).split(/\s+/).length
}

/** Splits text into n pieces of near-equal length (n ≤ length), keeping every character. */
function split(text: string, n: number | undefined): string[] {
  if (!n) return text.match(/\S+\s*|\s+/g) ?? ['']
  const parts: string[] = []
  const size = Math.ceil(text.length / n)
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size))
  return parts.length ? parts : ['']
}

/**
 * The checks the real API makes that a translation bug would trip: required fields, non-empty text,
 * and every tool_result answering a tool_use of the assistant turn right before it.
 */
function validate(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required'
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1) return 'max_tokens: Field required'
  const messages = body.messages
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required'
  let previousToolUses = new Set<string>()
  for (const [i, m] of (messages as Array<{ role?: unknown; content?: unknown }>).entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${i}: all messages must have non-empty content`
    const toolUses = new Set<string>()
    let seenOther = false
    for (const [j, b] of (blocks as Array<Record<string, unknown>>).entries()) {
      if (b.type === 'text' && !b.text) return `messages.${i}.content.${j}.text: text content blocks must be non-empty`
      if (b.type === 'tool_use') toolUses.add(String(b.id))
      if (b.type === 'tool_result') {
        if (m.role !== 'user' || seenOther || !previousToolUses.has(String(b.tool_use_id)))
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`
      } else seenOther = true
    }
    previousToolUses = toolUses
  }
  return undefined
}

/** A fake Anthropic Messages API on 127.0.0.1 that speaks the real wire format, scripted per request. */
export async function startFakeAnthropic(opts: { id?: string; port?: number; defaults?: Script } = {}): Promise<FakeAnthropic> {
  const id = opts.id ?? 'anthropic'
  let defaults: Script = opts.defaults ?? {}
  let queue: Script[] = []
  const state = { aborted: 0, inFlight: 0 }
  const requests: RecordedRequest[] = []
  let seq = 0

  const rateHeaders = (): Record<string, string> => {
    const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
    return {
      'request-id': requestId(),
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '3999',
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': '400000',
      'anthropic-ratelimit-input-tokens-remaining': '399000',
      'anthropic-ratelimit-input-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-limit': '80000',
      'anthropic-ratelimit-output-tokens-remaining': '80000',
      'anthropic-ratelimit-output-tokens-reset': reset,
      'x-fake-upstream': id,
    }
  }

  const sendError = (res: ServerResponse, status: number, headers: Record<string, string>, error: { type?: string; message?: string } = {}) => {
    const type = error.type ?? ERROR_TYPES[status] ?? 'api_error'
    const body = { type: 'error', error: { type, message: error.message ?? `fake ${id} error ${status}` }, request_id: headers['request-id'] }
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: Record<string, unknown> | undefined
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined
    } catch {
      body = undefined
    }
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body })
    const s: Script = { ...defaults, ...queue.shift() }
    if (s.reset) return req.socket.destroy()
    if (s.hang) return
    if (s.latencyMs) await sleep(s.latencyMs)
    const headers = { ...rateHeaders(), ...s.headers }
    const status = s.status ?? 200
    if (status >= 400) {
      if (status === 429 && !('retry-after' in headers)) headers['retry-after'] = '1'
      if (s.rawBody !== undefined) {
        res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(s.rawBody)
        return
      }
      return sendError(res, status, headers, s.error)
    }
    if (!req.headers['x-api-key']) return sendError(res, 401, headers, { message: 'x-api-key header is required' })
    if (!req.headers['anthropic-version']) return sendError(res, 400, headers, { message: 'anthropic-version: header is required' })
    const path = (req.url ?? '').replace(/\?.*$/, '')
    if (req.method === 'GET' && path === '/v1/models') {
      const data = MODELS.map((m) => ({ type: 'model', id: m, display_name: m, created_at: '2025-01-01T00:00:00Z' }))
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(
        JSON.stringify({ data, has_more: false, first_id: MODELS[0], last_id: MODELS.at(-1) }),
      )
      return
    }
    if (req.method !== 'POST' || path !== '/v1/messages') return sendError(res, 404, headers, { message: 'Not found' })
    if (!body) return sendError(res, 400, headers, { message: 'There was an error parsing the body of your request' })
    const invalid = validate(body)
    if (invalid) return sendError(res, 400, headers, { message: invalid })

    const messageId = `msg_${id}_${++seq}`
    const toolUses = (s.toolCalls ?? []).map((t, i) => ({ id: t.id ?? `toolu_${id}_${seq}_${i}`, name: t.name, arguments: t.arguments }))
    const textWanted = s.content !== undefined || toolUses.length === 0
    const text = typeof s.content === 'function' ? s.content(body) : (s.content ?? `Hello from ${id}!`)
    const pieces = textWanted ? split(text, s.chunks) : []
    const inputTokens = s.usage?.input_tokens ?? countTokens(body)
    const outputTokens = s.usage?.output_tokens ?? pieces.length + toolUses.length
    const cacheUsage = {
      cache_creation_input_tokens: s.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: s.usage?.cache_read_input_tokens ?? 0,
    }
    const stopReason = s.stopReason ?? (toolUses.length > 0 ? 'tool_use' : 'end_turn')
    const message = (content: unknown[], stop: string | null, usage: Record<string, unknown>) => ({
      id: messageId,
      type: 'message',
      role: 'assistant',
      model: String(body.model),
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage,
    })

    if (!body.stream) {
      const content: unknown[] = textWanted ? [{ type: 'text', text }] : []
      for (const t of toolUses) content.push({ type: 'tool_use', id: t.id, name: t.name, input: JSON.parse(t.arguments) })
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(
        JSON.stringify(message(content, stopReason, { input_tokens: inputTokens, output_tokens: outputTokens, ...cacheUsage, service_tier: 'standard' })),
      )
      return
    }

    state.inFlight++
    let done = false
    res.on('close', () => {
      state.inFlight--
      if (!done) state.aborted++
    })
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers })
    const write = (text: string) => !res.destroyed && res.write(text)
    const event = (data: { type: string; [k: string]: unknown }) => write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`)
    event({ type: 'message_start', message: message([], null, { input_tokens: inputTokens, output_tokens: 1, ...cacheUsage }) })
    if (s.firstTokenDelayMs) await sleep(s.firstTokenDelayMs)
    let index = 0
    if (textWanted) {
      event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      event({ type: 'ping' })
      for (const [i, piece] of pieces.entries()) {
        if (res.destroyed) return
        if (s.cutAfterChunks !== undefined && i >= s.cutAfterChunks) return req.socket.destroy()
        if (s.streamErrorAfterChunks !== undefined && i >= s.streamErrorAfterChunks) {
          event({ type: 'error', error: { type: s.error?.type ?? 'overloaded_error', message: s.error?.message ?? 'Overloaded' } })
          done = true
          return void res.end()
        }
        if (i > 0 && s.chunkIntervalMs) await sleep(s.chunkIntervalMs)
        event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })
        if (i === 0 && s.malformed) write('event: content_block_delta\ndata: {"type": not json}\n\n')
      }
      if (s.cutAfterChunks !== undefined && s.cutAfterChunks >= pieces.length) return req.socket.destroy()
      event({ type: 'content_block_stop', index })
      index++
    }
    for (const t of toolUses) {
      event({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} } })
      event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } })
      for (const part of split(t.arguments, 3)) {
        if (s.chunkIntervalMs) await sleep(s.chunkIntervalMs)
        event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } })
      }
      event({ type: 'content_block_stop', index })
      index++
    }
    event({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } })
    event({ type: 'message_stop' })
    done = true
    res.end()
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
    baseURL: `http://127.0.0.1:${port}`,
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

// As a process (bench, load tests): tsx test/upstreams/fake-anthropic.ts --port 9001
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const portArg = process.argv.indexOf('--port')
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0
  const fake = await startFakeAnthropic({ id: 'fake-anthropic', port })
  process.stdout.write(`${JSON.stringify({ port: fake.port })}\n`)
}
