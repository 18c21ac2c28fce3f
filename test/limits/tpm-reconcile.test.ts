import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { chatDemand, countTextTokens, estimateInputTokens } from '../../src/limits/estimate-tokens.js'
import { keyspace } from '../../src/store/keyspace.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { eventually, startReplica, type Replica } from './helpers/replica.js'

// Tokens per minute: a reservation (prompt estimate + max_tokens) before the call, replaced by the real usage
// after it, for JSON answers and for streams (including streams without a usage chunk and streams the client
// abandons).

const TPM = 10_000
let redis: RedisServer
let up: FakeOpenAI
let gw: Replica
let keyN = 0
const ks = keyspace('sy:')

beforeAll(async () => {
  redis = await startRedisServer()
  up = await startFakeOpenAI({ id: 'tpm' })
  gw = await startReplica({
    // A generous command timeout: these tests are about exact shared counts, not the fallback (see store-outage).
    store: { redis_url: redis.url, command_timeout_ms: 1000 },
    auth: {
      mode: 'keys',
      keys: Array.from({ length: 8 }, (_, i) => ({ key: `sk-test-tpm-${i}-abcdefghijklmnop`, name: `tpm-${i}`, limits: { tpm: TPM, max_concurrency: 1 } })),
    },
    providers: [
      { name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream' },
      // Sends no usage in streams unless the client asks: the gateway must count the text itself.
      { name: 'plain', type: 'openai-compatible', base_url: up.baseURL, include_usage: false },
    ],
    models: [
      { name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      { name: 'plain-model', retries: { attempts: 0 }, targets: [{ provider: 'plain', model: 'plain-model' }] },
    ],
  })
})
afterAll(async () => {
  await gw.close()
  await up.close()
  await redis.stop()
})
beforeEach(() => up.reset())

function nextKey(): { client: OpenAI; scope: string } {
  const i = keyN++
  return { client: new OpenAI({ baseURL: gw.baseURL, apiKey: `sk-test-tpm-${i}-abcdefghijklmnop`, maxRetries: 0 }), scope: `k:static:tpm-${i}` }
}
const counted = async (scope: string) => Number((await gw.store.redis!.hget(ks.tpm(scope), 'n')) ?? 0)
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Name three rivers in Europe, please.' },
]
// The reservation guesses the prompt by its shape; a stream without usage is counted with the vocabulary.
const estimate = chatDemand({ model: 'gpt-4o-mini', messages }).inputTokens()
const countedPrompt = estimateInputTokens({ model: 'gpt-4o-mini', messages })

describe('tokens per minute', () => {
  it('reserves the estimate plus max_tokens, then counts the real usage of a JSON answer', async () => {
    const { client, scope } = nextKey()
    up.next({ usage: { prompt_tokens: 20, completion_tokens: 30 } }, { usage: { prompt_tokens: 20, completion_tokens: 30 } })
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 500 }).withResponse()
    expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe(String(TPM))
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(TPM - estimate - 500))
    await eventually(async () => (await counted(scope)) === 50)
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 500 }).withResponse()
    expect(second.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(TPM - 50 - estimate - 500))
    await eventually(async () => (await counted(scope)) === 100)
  })

  it('counts the usage chunk of a stream once the stream has ended', async () => {
    const { client, scope } = nextKey()
    up.next({ content: 'Danube, Rhine, Volga.', usage: { prompt_tokens: 21, completion_tokens: 7 } })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_completion_tokens: 300, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('Danube, Rhine, Volga.')
    await eventually(async () => (await counted(scope)) === 28)
  })

  it('counts the streamed text itself when the upstream reports no usage', async () => {
    const { client, scope } = nextKey()
    const content = 'The Danube flows through ten countries before it reaches the Black Sea.'
    up.next({ content })
    const stream = await client.chat.completions.create({ model: 'plain-model', messages, max_tokens: 300, stream: true })
    for await (const _ of stream);
    expect(up.requests[0]!.body!.stream_options).toBeUndefined()
    await eventually(async () => (await counted(scope)) === countedPrompt + countTextTokens(content))
  })

  it('returns the reservation of a call that failed upstream', async () => {
    const { client, scope } = nextKey()
    up.next({ status: 500 })
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 400 })).rejects.toThrow()
    await eventually(async () => (await counted(scope)) === 0)
    // The concurrency slot came back too.
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages })
  })

  it('releases the slot when the client leaves while the upstream is still working on a JSON answer', async () => {
    const { client, scope } = nextKey()
    up.next({ latencyMs: 5000 })
    const abort = new AbortController()
    const pending = client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 100 }, { signal: abort.signal }).catch(() => 'aborted')
    await eventually(() => up.requests.length === 1)
    abort.abort()
    expect(await pending).toBe('aborted')
    // max_concurrency is 1: well before the 5 s answer would have come, the slot is free again.
    await eventually(async () => {
      try {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 5 })
        return true
      } catch {
        return false
      }
    }, 3000)
    await eventually(async () => (await counted(scope)) < estimate + 100)
  })

  it('releases the slot and charges what was delivered when the client leaves mid-stream', async () => {
    const { client, scope } = nextKey()
    up.next({ content: 'one two three four five six seven eight nine ten eleven twelve', chunkIntervalMs: 150 })
    const abort = new AbortController()
    const stream = await client.chat.completions.create({ model: 'plain-model', messages, max_tokens: 2000, stream: true }, { signal: abort.signal })
    let seen = ''
    for await (const chunk of stream) {
      seen += chunk.choices[0]?.delta.content ?? ''
      if (seen.includes('two')) break
    }
    abort.abort()
    // max_concurrency is 1: a new request gets in only once the abandoned stream's slot is released.
    await eventually(async () => {
      up.next({ content: 'ok' })
      try {
        await client.chat.completions.create({ model: 'plain-model', messages, max_tokens: 5 })
        return true
      } catch {
        return false
      }
    })
    // The abandoned stream was charged its prompt and some text, not its 2000-token reservation.
    const total = await counted(scope)
    expect(total).toBeGreaterThan(estimate)
    expect(total).toBeLessThan(2 * estimate + 100)
  })
})
