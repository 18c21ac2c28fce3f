import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'

let up: FakeOpenAI
let gw: TestGateway

beforeAll(async () => {
  up = await startFakeOpenAI()
  gw = await startTestGateway({
    auth: {
      mode: 'keys',
      keys: [
        { key: 'sk-embed-app-1', name: 'embed-app', models: ['text-*'], limits: { rpm: 2 } },
        { key: 'sk-chat-app-1', name: 'chat-app', models: ['gpt-*'] },
      ],
    },
    providers: [{ name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-up' }],
    models: [
      { name: 'text-embedding-3-small', targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] },
      { name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
    ],
  })
})
afterAll(async () => {
  await gw.close()
  await up.close()
})

it('embeddings go through the same key allow-list and rate limits as chat', async () => {
  const embed = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-embed-app-1', maxRetries: 0 })
  const chat = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-chat-app-1', maxRetries: 0 })
  const denied = await chat.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e) => e)
  expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError)
  expect(denied.code).toBe('model_not_allowed')

  const { response } = await embed.embeddings.create({ model: 'text-embedding-3-small', input: 'one' }).withResponse()
  expect(response.headers.get('x-ratelimit-limit-requests')).toBe('2')
  await embed.embeddings.create({ model: 'text-embedding-3-small', input: 'two' })
  const limited = await embed.embeddings.create({ model: 'text-embedding-3-small', input: 'three' }).catch((e) => e)
  expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
  expect(up.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(2)
})

it('an unknown key is refused before the body is read', async () => {
  const bad = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-nope', maxRetries: 0 })
  const err = await bad.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e) => e)
  expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
  expect(JSON.stringify(err.error)).not.toContain('sk-nope')
})
