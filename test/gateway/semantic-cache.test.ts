import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { ensureDefaultModel } from '../../src/cache/embedding/default-model.js'

// Semantic cache through the whole gateway, with the default embedding model. The threshold is set
// below the calibrated default so that a real rewording hits; verification still has to stop near misses.
const cacheConfig = { enabled: true, semantic: { threshold: 0.95 } }
const keys = [
  { key: 'sk-alice-0123456789', name: 'alice' },
  { key: 'sk-bob-0123456789', name: 'bob' },
]

let up: FakeOpenAI
let gw: TestGateway
let alice: OpenAI
let bob: OpenAI

beforeAll(async () => {
  // A fresh checkout builds the default embedding model on first use (tens of seconds): do it before any gateway starts.
  await ensureDefaultModel()
  up = await startFakeOpenAI({ id: 'primary' })
  gw = await startTestGateway(openaiConfig(up.baseURL, { auth: { mode: 'keys', keys }, cache: cacheConfig }))
  alice = new OpenAI({ baseURL: gw.baseURL, apiKey: keys[0]!.key, maxRetries: 0 })
  bob = new OpenAI({ baseURL: gw.baseURL, apiKey: keys[1]!.key, maxRetries: 0 })
}, 240_000)
afterAll(async () => {
  await gw?.close()
  await up?.close()
})
beforeEach(() => up.reset())

const ask = (client: OpenAI, content: string) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse()
/** Stores happen after the answer is sent; give them a moment. */
const settle = () => new Promise((r) => setTimeout(r, 50))
/** A lookup that never stores, so whatever it hits was stored by an earlier request. */
const askNoStore = (client: OpenAI, content: string) =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: { 'x-switchyard-cache': 'no-store' } }).withResponse()

async function untilHit(attempt: () => ReturnType<typeof ask>): Promise<Awaited<ReturnType<typeof ask>> & { callsDuring: number }> {
  for (let i = 0; i < 600; i++) {
    const before = up.requests.length
    const res = await attempt()
    if (res.response.headers.get('x-switchyard-cache') === 'semantic-hit') return { ...res, callsDuring: up.requests.length - before }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('no semantic hit')
}

describe('semantic cache through the gateway', () => {
  it('serves a paraphrase from the cache without calling the upstream', { timeout: 90_000 }, async () => {
    up.setDefault({ content: '5 km is about 3.11 miles.' })
    const first = await ask(alice, 'How do I convert 5 km to miles?')
    expect(first.response.headers.get('x-switchyard-cache')).toBe('miss')
    // The answer is stored after it was sent (and, right after start, once the embedding model has loaded).
    const hit = await untilHit(() => askNoStore(alice, 'how can I convert 5 km into miles'))
    expect(hit.callsDuring).toBe(0)
    expect(Number(hit.response.headers.get('x-switchyard-cache-similarity'))).toBeGreaterThanOrEqual(0.95)
    expect(hit.response.headers.get('x-switchyard-provider')).toBe('cache')
    expect(hit.data.choices[0]!.message.content).toBe('5 km is about 3.11 miles.')
  })

  it('does not answer a different number or a negation from the cache', async () => {
    up.setDefault({ content: 'It is generally considered safe.' })
    await ask(alice, 'Is ibuprofen safe for adults?')
    await settle()
    up.setDefault({ content: 'other answer' })
    const negated = await ask(alice, 'Is ibuprofen not safe for adults?')
    expect(negated.response.headers.get('x-switchyard-cache')).toBe('miss')
    await ask(alice, 'How do I convert 7 km to miles?')
    await settle()
    const number = await ask(alice, 'How do I convert 70 km to miles?')
    expect(number.response.headers.get('x-switchyard-cache')).toBe('miss')
    expect(number.data.choices[0]!.message.content).toBe('other answer')
    expect(up.requests).toHaveLength(4)
  })

  it('keeps tenants apart', async () => {
    up.setDefault({ content: 'Paris.' })
    await ask(alice, 'What is the capital of France?')
    await settle()
    const other = await ask(bob, 'What is the capital of France?')
    expect(other.response.headers.get('x-switchyard-cache')).toBe('miss')
    const same = await ask(alice, 'What is the capital of France?')
    expect(same.response.headers.get('x-switchyard-cache')).toBe('hit')
    expect(up.requests).toHaveLength(2)
  })

  it('replays a hit as an SSE stream the openai SDK accepts', async () => {
    up.setDefault({ content: 'Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.', usage: { prompt_tokens: 9, completion_tokens: 14 } })
    await ask(alice, 'Explain photosynthesis in one sentence.')
    await settle()
    const { data: stream, response } = await alice.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain photosynthesis in one sentence.' }], stream: true, stream_options: { include_usage: true } })
      .withResponse()
    expect(response.headers.get('x-switchyard-cache')).toBe('hit')
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    let text = ''
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
      usage = chunk.usage ?? usage
    }
    expect(text).toBe('Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.')
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 14 })
    expect(up.requests).toHaveLength(1)
  })
})

describe('two gateway instances sharing one redis-server', () => {
  let redis: RedisServer
  let a: TestGateway
  let b: TestGateway
  beforeAll(async () => {
    redis = await startRedisServer()
    const config = openaiConfig(up.baseURL, { store: { redis_url: redis.url }, cache: cacheConfig })
    a = await startTestGateway(config)
    b = await startTestGateway(config)
  }, 240_000)
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await redis?.stop()
  })

  it('an answer stored through one is a hit on the other', { timeout: 90_000 }, async () => {
    up.setDefault({ content: 'Shared answer.' })
    const clientA = new OpenAI({ baseURL: a.baseURL, apiKey: 'unused', maxRetries: 0 })
    const clientB = new OpenAI({ baseURL: b.baseURL, apiKey: 'unused', maxRetries: 0 })
    await ask(clientA, 'Which planet is the largest in the solar system?')
    // B never stores (no-store), so a hit on B can only be A's entry, synced through Redis.
    const hit = await untilHit(() => askNoStore(clientB, 'which planet is the largest in the solar system'))
    expect(hit.callsDuring).toBe(0)
    expect(hit.data.choices[0]!.message.content).toBe('Shared answer.')
  })
})
