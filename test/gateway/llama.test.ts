import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

const modelPath = fileURLToPath(new URL('../../../shared/data/models/stories260K.gguf', import.meta.url))

let up: FakeOpenAI
let gw: TestGateway
let client: OpenAI

beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'backup' })
  gw = await startTestGateway({
    providers: [
      { name: 'local', type: 'llama', model_path: modelPath, threads: 1, context_size: 512, parallel: 2, default_max_tokens: 16 },
      { name: 'ghost', type: 'llama', model_path: '/nonexistent/switchyard/model.gguf', threads: 1 },
      { name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-test' },
    ],
    models: [
      { name: 'local', targets: [{ provider: 'local', model: 'default' }], embeddings: true },
      { name: 'ghost', retries: { attempts: 0 }, targets: [{ provider: 'ghost', model: 'default' }] },
      { name: 'ghost-then-openai', targets: [{ provider: 'ghost', model: 'default' }, { provider: 'openai', model: 'gpt-4o-mini' }] },
    ],
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await up.close()
})

describe('llama provider through the gateway and the openai SDK', () => {
  it('answers a chat completion as JSON with usage and routing headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'local', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 10, temperature: 0 })
      .withResponse()
    expect(data.choices[0]!.message.role).toBe('assistant')
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0)
    expect(data.choices[0]!.finish_reason).toBe('length')
    expect(data.usage).toMatchObject({ completion_tokens: 10 })
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-switchyard-provider')).toBe('local')
    expect(response.headers.get('x-switchyard-target-model')).toBe('default')
  })

  it('streams tokens as several SSE chunks, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'local',
      messages: [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'Tell me about a cat' }],
      max_completion_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    })
    const contents: string[] = []
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      const c = chunk.choices[0]
      if (c?.delta.content) contents.push(c.delta.content)
      if (c?.finish_reason) finish = c.finish_reason
      if (chunk.usage) usage = chunk.usage
    }
    expect(contents.length).toBeGreaterThan(3)
    expect(finish).toBe('length')
    expect(usage).toMatchObject({ completion_tokens: 12 })
  })

  it('embeds through /v1/embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'local', input: ['a little bird', 'a red ball'] })
    expect(res.data).toHaveLength(2)
    expect(res.data[0]!.embedding).toHaveLength(64)
    expect(res.usage.prompt_tokens).toBeGreaterThan(0)
  })

  it('answers a clear 503 for a model whose file is missing, and /readyz shows each provider state', async () => {
    const err = await client.chat.completions.create({ model: 'ghost', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect(err).toMatchObject({ status: 503, code: 'model_unavailable' })
    expect((err as Error).message).toContain("provider 'ghost'")
    expect((err as Error).message).toContain('model file was not found')

    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    const body = (await ready.json()) as { providers: Record<string, { type: string; state: string }>; models: Record<string, string> }
    expect(body.providers.local).toEqual({ type: 'llama', state: 'ready' })
    expect(body.providers.ghost).toEqual({ type: 'llama', state: 'model_missing' })
    expect(body.models).toMatchObject({ local: 'ready', ghost: 'unavailable' })
  })

  it('falls back to the next target when the local model is unavailable', async () => {
    up.next({ content: 'from the backup' })
    const { data, response } = await client.chat.completions
      .create({ model: 'ghost-then-openai', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()
    expect(data.choices[0]!.message.content).toBe('from the backup')
    expect(response.headers.get('x-switchyard-provider')).toBe('openai')
  })
})
