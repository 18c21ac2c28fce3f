import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeAnthropic, type FakeAnthropic } from '../upstreams/fake-anthropic.js'

// The official openai SDK against /v1/chat/completions, for a model served by an Anthropic upstream:
// everything crosses the OpenAI ↔ Anthropic translation in both directions.

let claude: FakeAnthropic
let gw: TestGateway
let client: OpenAI

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}

beforeAll(async () => {
  claude = await startFakeAnthropic({ id: 'claude' })
  gw = await startTestGateway({
    providers: [{ name: 'anthropic', type: 'anthropic', base_url: claude.baseURL, api_key: 'sk-ant-upstream-secret', default_max_tokens: 333 }],
    models: [{ name: 'claude-haiku', retries: { attempts: 0 }, targets: [{ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }] }],
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'client-key', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await claude.close()
})
beforeEach(() => claude.reset())

describe('openai SDK → gateway → Anthropic upstream', () => {
  it('answers a chat completion translated from an Anthropic message', async () => {
    claude.next({ content: 'Hi there!', usage: { input_tokens: 14, output_tokens: 3, cache_read_input_tokens: 6, cache_creation_input_tokens: 2 } })
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude-haiku',
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Hello' },
        ],
        temperature: 0.4,
        user: 'user-9',
      })
      .withResponse()
    expect(data.object).toBe('chat.completion')
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hi there!' })
    expect(data.choices[0]!.finish_reason).toBe('stop')
    expect(data.usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 3, total_tokens: 25, prompt_tokens_details: { cached_tokens: 6 } })
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic')
    expect(claude.requests[0]!.body).toEqual({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 333,
      system: [{ type: 'text', text: 'Be kind.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      temperature: 0.4,
      metadata: { user_id: 'user-9' },
    })
    expect(claude.requests[0]!.headers['anthropic-version']).toBe('2023-06-01')
  })

  it('streams chunk by chunk, with usage when asked for', async () => {
    claude.next({ content: 'one two three', chunkIntervalMs: 2, usage: { input_tokens: 5, output_tokens: 3 } })
    const stream = await client.chat.completions.create({
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const pieces: string[] = []
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta.content
      if (c) pieces.push(c)
      finish = chunk.choices[0]?.finish_reason ?? finish
      if (chunk.usage) usage = chunk.usage
    }
    expect(pieces).toEqual(['one ', 'two ', 'three'])
    expect(finish).toBe('stop')
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 })
    expect(claude.requests[0]!.body!.stream).toBe(true)
  })

  it('returns Anthropic tool_use as tool_calls, and sends tool results back as tool_result with the ids', async () => {
    claude.next({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'toolu_P' }, { name: 'get_weather', arguments: '{"city":"Rome"}', id: 'toolu_R' }] })
    const first = await client.chat.completions.create({
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: true,
    })
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    const calls = first.choices[0]!.message.tool_calls!
    expect(calls).toEqual([
      { id: 'toolu_P', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_R', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ])
    expect(claude.requests[0]!.body).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Current weather', input_schema: weatherTool.function.parameters }],
      tool_choice: { type: 'tool', name: 'get_weather' },
    })

    claude.next({ content: 'Paris 18C, Rome 24C.' })
    const second = await client.chat.completions.create({
      model: 'claude-haiku',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: 'toolu_P', content: '18C' },
        { role: 'tool', tool_call_id: 'toolu_R', content: '24C' },
      ],
    })
    expect(second.choices[0]!.message.content).toBe('Paris 18C, Rome 24C.')
    expect((claude.requests[1]!.body!.messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_P', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_R', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_P', content: '18C' },
          { type: 'tool_result', tool_use_id: 'toolu_R', content: '24C' },
        ],
      },
    ])
  })

  it('streams several tool calls from one Anthropic stream', async () => {
    claude.next({ content: 'Let me look.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }, { name: 'get_weather', arguments: '{"city":"Bergen"}' }] })
    const stream = await client.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool], stream: true })
    let text = ''
    const args: Record<number, string> = {}
    const ids: Record<number, string> = {}
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        args[tc.index] = (args[tc.index] ?? '') + (tc.function?.arguments ?? '')
        if (tc.id) ids[tc.index] = tc.id
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe('Let me look.')
    expect(args).toEqual({ 0: '{"city":"Oslo"}', 1: '{"city":"Bergen"}' })
    expect(Object.values(ids)).toHaveLength(2)
    expect(finish).toBe('tool_calls')
  })

  it('stops the Anthropic stream when the client goes away', async () => {
    claude.next({ content: 'a b c d e f g h i j', chunkIntervalMs: 40 })
    const stream = await client.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'x' }], stream: true })
    let seen = 0
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content && ++seen === 2) break
    await expect.poll(() => claude.aborted).toBe(1)
  })

  it('sends images as base64 and url sources', async () => {
    await client.chat.completions.create({
      model: 'claude-haiku',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/b.png' } },
          ],
        },
      ],
    })
    expect((claude.requests[0]!.body!.messages as Array<{ content: unknown }>)[0]!.content).toEqual([
      { type: 'text', text: 'Compare.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/b.png' } },
    ])
  })

  it('serves response_format json_schema and hands back JSON text', async () => {
    claude.next({ toolCalls: [{ name: 'answer', arguments: '{"value":42}' }] })
    const res = await client.chat.completions.create({
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'The answer?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { value: { type: 'number' } } } } },
    })
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ value: 42 })
    expect(res.choices[0]!.finish_reason).toBe('stop')
  })
})

describe('errors the openai SDK can catch by class, from an Anthropic upstream', () => {
  const ask = () => client.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)

  it('upstream 400 → BadRequestError with the Anthropic type as code', async () => {
    claude.next({ status: 400, error: { message: 'messages.0: bad input' } })
    const err = (await ask()) as InstanceType<typeof OpenAI.BadRequestError>
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.code).toBe('invalid_request_error')
    expect(err.message).toContain('messages.0: bad input')
  })

  it('a request Anthropic cannot express → BadRequestError naming the param, no upstream call', async () => {
    const err = (await client.chat.completions.create({ model: 'claude-haiku', n: 2, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.BadRequestError
    >
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.param).toBe('n')
    expect(claude.requests).toHaveLength(0)
  })

  it('upstream 429 → RateLimitError with Retry-After', async () => {
    claude.next({ status: 429, headers: { 'retry-after': '9' } })
    const err = (await ask()) as InstanceType<typeof OpenAI.RateLimitError>
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect(err.headers.get('retry-after')).toBe('9')
  })

  it('upstream 529 overloaded, a non-JSON 502 and an auth failure → 502 InternalServerError', async () => {
    claude.next({ status: 529 })
    const overloaded = (await ask()) as InstanceType<typeof OpenAI.InternalServerError>
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError)
    expect(overloaded.status).toBe(502)

    claude.next({ status: 502, rawBody: '<html>bad gateway</html>' })
    const html = (await ask()) as InstanceType<typeof OpenAI.InternalServerError>
    expect(html).toBeInstanceOf(OpenAI.InternalServerError)
    expect(html.message).not.toContain('<html>')

    claude.next({ status: 401, error: { message: 'invalid x-api-key' } })
    const auth = (await ask()) as InstanceType<typeof OpenAI.InternalServerError>
    expect(auth).toBeInstanceOf(OpenAI.InternalServerError)
    expect(auth.status).toBe(502)
    expect(auth.message).toContain("'anthropic'")
  })

  it('an Anthropic error event mid-stream ends the OpenAI stream with an error', async () => {
    claude.next({ content: 'a b c d', streamErrorAfterChunks: 2 })
    const stream = await client.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'x' }], stream: true })
    let text = ''
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(text).toBe('a b ')
    expect(err).toBeInstanceOf(OpenAI.APIError)
  })

  it('embeddings on an Anthropic-only model → BadRequestError', async () => {
    const err = (await client.embeddings.create({ model: 'claude-haiku', input: 'hi' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.code).toBe('unsupported_operation')
    expect(claude.requests).toHaveLength(0)
  })
})
