import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeAnthropic, type FakeAnthropic } from '../upstreams/fake-anthropic.js'
import { startReplica, type Replica } from './helpers/replica.js'

// Anthropic clients send their key as x-api-key and read refusals in Anthropic's error shape.

const KEY = 'sk-test-anthropic-client-0123456789'
let claude: FakeAnthropic
let gw: Replica

beforeAll(async () => {
  claude = await startFakeAnthropic({ id: 'claude' })
  gw = await startReplica({
    auth: { mode: 'keys', keys: [{ key: KEY, name: 'claude-app', models: ['claude-*'], limits: { rpm: 1 } }] },
    providers: [{ name: 'anthropic', type: 'anthropic', base_url: claude.baseURL, api_key: 'sk-ant-upstream' }],
    models: [{ name: 'claude-haiku', retries: { attempts: 0 }, targets: [{ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }] }],
  })
})
afterAll(async () => {
  await gw.close()
  await claude.close()
})

describe('limits for Anthropic clients on /v1/messages', () => {
  it('authenticate with x-api-key, then refuse over the limit with an Anthropic-shaped 429', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: KEY, maxRetries: 0 })
    const { response } = await client.messages.create({ model: 'claude-haiku', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('1')
    const refused = await client.messages.create({ model: 'claude-haiku', max_tokens: 20, messages: [{ role: 'user', content: 'again' }] }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError)
    const err = refused as InstanceType<typeof Anthropic.RateLimitError>
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0)

    const wrong = await new Anthropic({ baseURL: gw.url, apiKey: 'sk-wrong-key-0123456789', maxRetries: 0 }).messages
      .create({ model: 'claude-haiku', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(JSON.stringify((wrong as InstanceType<typeof Anthropic.AuthenticationError>).error)).not.toContain('sk-wrong-key')
  })
})
