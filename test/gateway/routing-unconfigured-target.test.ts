import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// A first target whose provider has no API key (OPENAI_API_KEY unset, say) must not turn every request into a 502:
// the router goes to the next target and never calls the keyless one.
let keyless: FakeOpenAI
let backup: FakeOpenAI
let gw: TestGateway

beforeAll(async () => {
  keyless = await startFakeOpenAI({ id: 'keyless' })
  backup = await startFakeOpenAI({ id: 'backup' })
  gw = await startTestGateway({
    providers: [
      { name: 'nokey', type: 'openai', base_url: keyless.baseURL, api_key: '' },
      { name: 'backup', type: 'openai', base_url: backup.baseURL, api_key: 'sk-b' },
    ],
    models: [
      { name: 'chat', targets: [{ provider: 'nokey', model: 'gpt-4o-mini' }, { provider: 'backup', model: 'gpt-4o-mini' }] },
      { name: 'only-keyless', targets: [{ provider: 'nokey', model: 'gpt-4o-mini' }] },
    ],
  })
})
afterAll(async () => {
  await gw.close()
  await keyless.close()
  await backup.close()
})

describe('a target whose provider is not configured', () => {
  it('is skipped: the request is served by the next target, JSON and streamed', async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
    const { data, response } = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(data.choices[0]!.message.content).toBeTruthy()
    expect(response.headers.get('x-switchyard-provider')).toBe('backup')
    expect(response.headers.get('x-switchyard-attempts')).toBe('1')
    const stream = await client.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBeTruthy()
    expect(keyless.requests).toHaveLength(0)
    expect(backup.requests).toHaveLength(2)
  })

  it('is still called when it is the only target (its upstream decides, and a 401 there becomes a 502 naming it)', async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
    const { response } = await client.chat.completions.create({ model: 'only-keyless', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(response.headers.get('x-switchyard-provider')).toBe('nokey')
    expect(keyless.requests).toHaveLength(1)
  })
})
