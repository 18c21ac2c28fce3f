import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { startReplica, type Replica } from './helpers/replica.js'

// Two replicas share one Redis and must behave as one gateway: a concurrent burst split across both admits
// exactly the limit (no over-admission at all, under-admission under 1%).

const KEY_A = 'sk-test-burst-a-0123456789abcdef'
const KEY_B = 'sk-test-burst-b-0123456789abcdef'
const KEY_C = 'sk-test-burst-c-0123456789abcdef'
let redis: RedisServer
let up: FakeOpenAI
let replicas: Replica[]

beforeAll(async () => {
  redis = await startRedisServer()
  up = await startFakeOpenAI({ id: 'burst', record: false })
  const config = {
    // A generous command timeout: these tests are about exact shared counts, not the fallback (see store-outage).
    store: { redis_url: redis.url, command_timeout_ms: 1000 },
    auth: {
      mode: 'keys',
      keys: [
        { key: KEY_A, name: 'burst-rpm', team: 'burst-team', limits: { rpm: 200 } },
        { key: KEY_B, name: 'burst-conc', limits: { max_concurrency: 7 } },
        { key: KEY_C, name: 'burst-unlimited' },
      ],
    },
    providers: [{ name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream' }],
    models: [
      { name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      { name: 'gpt-4o', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o' }] },
    ],
    limits: { models: { 'gpt-4o': { rpm: 120 } } },
  }
  replicas = await Promise.all([startReplica(config), startReplica(config)])
})
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()))
  await up.close()
  await redis.stop()
})

async function burst(key: string, model: string, n: number): Promise<{ ok: number; refused: Array<{ status: number; headers: Headers; body: string }> }> {
  const responses = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      fetch(`${replicas[i % 2]!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: `hello ${i}` }] }),
      }),
    ),
  )
  const read = await Promise.all(responses.map(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })))
  const refused = read.filter((r) => r.status !== 200)
  return { ok: read.length - refused.length, refused }
}

describe('two replicas sharing one Redis', { timeout: 120_000 }, () => {
  it('admit exactly the per-key rpm under a concurrent burst', async () => {
    const { ok, refused } = await burst(KEY_A, 'gpt-4o-mini', 500)
    expect(ok).toBe(200)
    for (const r of refused) {
      expect(r.status).toBe(429)
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('200')
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    }
  })

  it('admit exactly a global per-model rpm across keys', async () => {
    const { ok } = await burst(KEY_C, 'gpt-4o', 300)
    expect(ok).toBe(120)
  })

  it('hold concurrency across replicas and refuse with an OpenAI-shaped 429', async () => {
    // Long enough that every request of the burst arrives while the first seven still hold their slots.
    up.setDefault({ latencyMs: 3000 })
    try {
      const { ok, refused } = await burst(KEY_B, 'gpt-4o-mini', 40)
      expect(ok).toBe(7)
      const body = JSON.parse(refused[0]!.body) as { error: { type: string; code: string; message: string } }
      expect(refused[0]!.status).toBe(429)
      expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'concurrency_limit_exceeded' })
      // Every slot was released when its answer was done.
      const after = await fetch(`${replicas[0]!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY_B}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after' }] }),
      })
      expect(after.status).toBe(200)
    } finally {
      up.setDefault({})
    }
  })

  it('sends OpenAI rate-limit headers on a successful answer, read through the openai SDK', async () => {
    const client = new OpenAI({ baseURL: replicas[1]!.baseURL, apiKey: KEY_C, maxRetries: 0 })
    const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse().catch((e) => {
      // The model window is spent by the burst above: a 429 still carries the headers.
      if (e instanceof OpenAI.RateLimitError) return { response: { headers: e.headers } }
      throw e
    })
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('120')
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+(\.\d+)?s$|^\d+ms$/)
  })
})
