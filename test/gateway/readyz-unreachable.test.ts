import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { freePort } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// /readyz tells an operator that a provider cannot be reached (a dead vLLM or Ollama), and that it is back.
let port: number
let gw: TestGateway
let revived: FakeOpenAI | undefined

beforeAll(async () => {
  port = await freePort()
  gw = await startTestGateway({
    providers: [{ name: 'vllm', type: 'openai-compatible', base_url: `http://127.0.0.1:${port}/v1` }],
    models: [{ name: 'llama-70b', retries: { attempts: 0 }, targets: [{ provider: 'vllm', model: 'llama-70b' }] }],
  })
})
afterAll(async () => {
  await gw?.close()
  await revived?.close()
})

const state = async () => {
  const res = await fetch(`${gw.url}/readyz`)
  return { status: res.status, provider: ((await res.json()) as { providers: Record<string, { state: string }> }).providers.vllm!.state }
}

describe('/readyz and an upstream that refuses connections', () => {
  it('shows the provider unreachable after a failed call, without taking the replica out of service, and ready once it answers', async () => {
    expect(await state()).toEqual({ status: 200, provider: 'ready' })
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
    const ask = () => client.chat.completions.create({ model: 'llama-70b', messages: [{ role: 'user', content: 'hi' }] })
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.APIError)
    expect(await state()).toEqual({ status: 200, provider: 'unreachable' })

    revived = await startFakeOpenAI({ port })
    await expect.poll(async () => (await ask().then(() => 'ok', () => 'failed')), { timeout: 10_000, interval: 200 }).toBe('ok')
    expect(await state()).toEqual({ status: 200, provider: 'ready' })
  })
})
