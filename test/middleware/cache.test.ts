import { Hono } from 'hono'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AppEnv } from '../../src/app-env.js'
import type { Embedder } from '../../src/cache/embedding/embedder.js'
import { embeddingSpecKey, loadEmbedder } from '../../src/cache/embedding/load-embedder.js'
import { createSemanticCache, type SemanticCache } from '../../src/cache/semantic-cache.js'
import { MemoryStore } from '../../src/cache/store/memory-store.js'
import { configSchema } from '../../src/config/schema.js'
import { GatewayError } from '../../src/errors.js'
import { cache } from '../../src/middleware/cache.js'
import type { Outcome } from '../../src/outcome.js'
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../src/providers/types.js'
import { newRequestLog, type RequestLog } from '../../src/request-log.js'

let embedder: Embedder
let sc: SemanticCache
let upstreamCalls: number
let logs: RequestLog[]
const config = configSchema.parse({ cache: { enabled: true, semantic: { threshold: 0.9 } } })

beforeAll(async () => {
  embedder = await loadEmbedder({ kind: 'default', threads: 1 })
}, 240_000)
afterAll(() => embedder.close())
beforeEach(async () => {
  sc = createSemanticCache(config, { embedders: new Map([[embeddingSpecKey(config.cache.semantic.embedding), embedder]]), store: new MemoryStore() })
  await sc.ready
  upstreamCalls = 0
  logs = []
})

const completion = (content: string, over: Partial<ChatCompletion['choices'][number]> = {}): ChatCompletion => ({
  id: 'up-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini-2024',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', ...over }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
})

async function* chunksOf(c: ChatCompletion): AsyncIterable<ChatCompletionChunk> {
  const base = { id: c.id, object: 'chat.completion.chunk' as const, created: 1, model: c.model }
  const text = c.choices[0]!.message.content ?? ''
  for (let i = 0; i < text.length; i += 4) yield { ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + 4) }, finish_reason: null }] }
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: c.choices[0]!.finish_reason }] }
  yield { ...base, choices: [], usage: c.usage }
}

/** A tiny app: the variables earlier steps would set, the cache, a fake route that counts upstream calls, and a minimal encoder. */
function app(answer: (req: ChatRequest) => ChatCompletion = () => completion('Paris is the capital of France.'), readChunks = Infinity) {
  return new Hono<AppEnv>()
    .onError((err, c) => c.json({ error: err.message, param: err instanceof GatewayError ? err.param : null }, err instanceof GatewayError ? err.status : 500))
    .post(
      '/chat',
      async (c, next) => {
        const request = (await c.req.json()) as ChatRequest
        const log = newRequestLog('r1', 'POST', '/chat')
        logs.push(log)
        c.set('log', log)
        c.set('responseHeaders', {})
        c.set('request', request)
        c.set('principal', { id: c.req.header('x-test-key') ?? 'k1', name: 'k', models: ['*'], metadata: {} })
        c.set('model', { name: 'gpt-4o-mini', config: {} as never, guardrails: {}, cache: config.cache } as unknown as AppEnv['Variables']['model'])
        c.set('guardrail', { flagged: false, policyId: 'p' })
        await next()
        if (c.error) return
        const outcome = c.var.outcome
        const headers = c.var.responseHeaders
        if (outcome.kind === 'json') {
          c.res = c.json({ outcome: { ...outcome }, provider: outcome.provider }, 200, headers)
          return
        }
        const chunks: ChatCompletionChunk[] = []
        for await (const chunk of outcome.chunks) {
          chunks.push(chunk)
          if (chunks.length >= readChunks) break
        }
        c.res = c.json({ chunks, provider: outcome.provider, cache: outcome.cache }, 200, headers)
      },
      cache(sc),
      async (c, next) => {
        // stands in for the output guard: flags the answer when told to
        await next()
        if (c.req.header('x-test-flag')) c.set('guardrail', { ...c.var.guardrail, flagged: true })
      },
      async (c) => {
        upstreamCalls++
        const answered = answer(c.var.request)
        const outcome: Outcome = c.var.request.stream
          ? { kind: 'stream', chunks: chunksOf(answered), provider: 'openai', targetModel: answered.model, attempts: 1 }
          : { kind: 'json', completion: answered, provider: 'openai', targetModel: answered.model, attempts: 1 }
        c.set('outcome', outcome)
        return new Response(null)
      },
    )
}

const post = (a: Hono<AppEnv>, body: Partial<ChatRequest> & { content?: string }, headers: Record<string, string> = {}) => {
  const { content = 'What is the capital of France?', ...rest } = body
  return a.request('/chat', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...rest }) })
}
const settle = () => new Promise((r) => setTimeout(r, 20))

describe('cache middleware', () => {
  it('a miss goes upstream and is stored; the repeat is a hit that does not call the upstream', async () => {
    const a = app()
    const first = await post(a, {})
    expect(first.headers.get('x-switchyard-cache')).toBe('miss')
    expect(logs[0]).toMatchObject({ cache: 'miss', cacheLookupMs: expect.any(Number) })
    await settle()
    const second = await post(a, {})
    expect(second.headers.get('x-switchyard-cache')).toBe('hit')
    const body = (await second.json()) as { outcome: { completion: ChatCompletion; provider: string; cache: string }; provider: string }
    expect(body.provider).toBe('cache')
    expect(body.outcome.cache).toBe('hit')
    expect(body.outcome.completion.choices[0]!.message.content).toBe('Paris is the capital of France.')
    expect(body.outcome.completion.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 })
    expect(body.outcome.completion.id).toMatch(/^chatcmpl-cache-/)
    expect(upstreamCalls).toBe(1)
  })

  it('a semantic hit reports its similarity in the header and the request log', async () => {
    const a = app()
    await post(a, {})
    await settle()
    const res = await post(a, { content: 'what is the capital of france' })
    expect(res.headers.get('x-switchyard-cache')).toBe('semantic-hit')
    expect(Number(res.headers.get('x-switchyard-cache-similarity'))).toBeGreaterThan(0.9)
    expect(logs[1]!.cacheScore).toBeGreaterThan(0.9)
    expect(upstreamCalls).toBe(1)
  })

  it('replays a stored answer as a stream of chunks when the client streams, with usage when asked', async () => {
    const a = app()
    await post(a, {})
    await settle()
    const res = await post(a, { stream: true, stream_options: { include_usage: true } })
    const { chunks, provider, cache: result } = (await res.json()) as { chunks: ChatCompletionChunk[]; provider: string; cache: string }
    expect([provider, result]).toEqual(['cache', 'hit'])
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Paris is the capital of France.')
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 })
    expect(upstreamCalls).toBe(1)
  })

  it('stores a streamed answer once it has run to the end, and not when the client left early', async () => {
    await post(app(undefined, 2), { stream: true, content: 'first question here' })
    await settle()
    expect(sc.stats().entries).toBe(0)
    await post(app(), { stream: true, content: 'first question here' })
    await settle()
    const res = await post(app(), { content: 'first question here' })
    expect(res.headers.get('x-switchyard-cache')).toBe('hit')
  })

  it('honours no-store, no-cache and refresh', async () => {
    const a = app()
    await post(a, {}, { 'x-switchyard-cache': 'no-store' })
    await settle()
    expect(sc.stats().entries).toBe(0)
    await post(a, {})
    await settle()
    const bypass = await post(a, {}, { 'x-switchyard-cache': 'no-cache' })
    expect(bypass.headers.get('x-switchyard-cache')).toBe('bypass')
    expect(upstreamCalls).toBe(3)
    const refreshed = app(() => completion('Paris (refreshed).'))
    await post(refreshed, {}, { 'x-switchyard-cache': 'refresh' })
    await settle()
    const res = await post(a, {})
    expect(((await res.json()) as { outcome: { completion: ChatCompletion } }).outcome.completion.choices[0]!.message.content).toBe('Paris (refreshed).')
    expect(sc.stats().entries).toBe(1)
  })

  it('does not store flagged requests, tool calls, cut-off or empty answers', async () => {
    await post(app(), { content: 'flagged one' }, { 'x-test-flag': '1' })
    await post(app(() => completion('', { finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] } })), { content: 'tool one' })
    await post(app(() => completion('cut', { finish_reason: 'length' })), { content: 'length one' })
    await post(app(), { content: 'several', n: 2 })
    await settle()
    expect(sc.stats().entries).toBe(0)
  })

  it('keeps tenants apart', async () => {
    const a = app()
    await post(a, {}, { 'x-test-key': 'alice' })
    await settle()
    const other = await post(a, {}, { 'x-test-key': 'bob' })
    expect(other.headers.get('x-switchyard-cache')).toBe('miss')
    expect(upstreamCalls).toBe(2)
  })

  it('rejects malformed cache headers with a 400 naming the header', async () => {
    for (const [name, value] of [
      ['x-switchyard-cache', 'sometimes'],
      ['x-switchyard-cache-threshold', '1.5'],
      ['x-switchyard-cache-ttl', '-3'],
    ]) {
      const res = await post(app(), {}, { [name!]: value! })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { param: string }).param).toBe(name)
    }
  })

  it('x-switchyard-cache-ttl sets how long the answer is kept', async () => {
    await post(app(), {}, { 'x-switchyard-cache-ttl': '1' })
    await new Promise((r) => setTimeout(r, 1100))
    const res = await post(app(), {})
    expect(res.headers.get('x-switchyard-cache')).toBe('miss')
  })
})
