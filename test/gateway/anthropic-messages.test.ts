import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeAnthropic, type FakeAnthropic } from '../upstreams/fake-anthropic.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// The official Anthropic SDK pointed at the gateway's POST /v1/messages, served by an Anthropic upstream
// (claude-haiku) and, translated both ways, by an OpenAI upstream (gpt-4o-mini).

let claude: FakeAnthropic
let openai: FakeOpenAI
let gw: TestGateway
let client: Anthropic

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}

beforeAll(async () => {
  claude = await startFakeAnthropic({ id: 'claude' })
  openai = await startFakeOpenAI({ id: 'openai' })
  gw = await startTestGateway({
    providers: [
      { name: 'anthropic', type: 'anthropic', base_url: claude.baseURL, api_key: 'sk-ant-upstream-secret' },
      { name: 'openai', type: 'openai', base_url: openai.baseURL, api_key: 'sk-upstream-secret-123' },
    ],
    models: [
      { name: 'claude-haiku', retries: { attempts: 0 }, targets: [{ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }] },
      { name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
    ],
  })
  client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await claude.close()
  await openai.close()
})
beforeEach(() => {
  claude.reset()
  openai.reset()
})

describe('POST /v1/messages through the Anthropic SDK, Anthropic upstream', () => {
  it('answers JSON with content, stop_reason and usage including cache reads', async () => {
    claude.next({ content: 'Hello, human.', usage: { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 30 } })
    const { data, response } = await client.messages
      .create({ model: 'claude-haiku', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse()
    expect(data.type).toBe('message')
    expect(data.id).toMatch(/^msg_/)
    expect(data.content).toEqual([{ type: 'text', text: 'Hello, human.' }])
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 30 })
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic')
    expect(response.headers.get('x-switchyard-target-model')).toBe('claude-3-5-haiku-latest')
    expect(claude.requests[0]!.body).toMatchObject({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 200,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    })
    expect(claude.requests[0]!.headers['x-api-key']).toBe('sk-ant-upstream-secret')
  })

  it('streams with client.messages.stream: text events, then a final message', async () => {
    claude.next({ content: 'one two three four', chunkIntervalMs: 2, usage: { input_tokens: 8, output_tokens: 4 } })
    const stream = client.messages.stream({ model: 'claude-haiku', max_tokens: 100, messages: [{ role: 'user', content: 'count' }] })
    const texts: string[] = []
    stream.on('text', (t) => texts.push(t))
    const final = await stream.finalMessage()
    expect(texts.join('')).toBe('one two three four')
    expect(texts.length).toBe(4)
    expect(final.content).toEqual([{ type: 'text', text: 'one two three four' }])
    expect(final.stop_reason).toBe('end_turn')
    expect(final.usage).toMatchObject({ input_tokens: 8, output_tokens: 4 })
  })

  it('round-trips tool use: tool_use blocks with ids, then tool_result back upstream', async () => {
    claude.next({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'toolu_P' }, { name: 'get_weather', arguments: '{"city":"Rome"}', id: 'toolu_R' }] })
    const stream = client.messages.stream({
      model: 'claude-haiku',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
    })
    const first = await stream.finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    expect(first.content).toEqual([
      { type: 'tool_use', id: 'toolu_P', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_R', name: 'get_weather', input: { city: 'Rome' } },
    ])
    expect(claude.requests[0]!.body).toMatchObject({ tools: [{ name: 'get_weather', input_schema: weatherTool.input_schema }], tool_choice: { type: 'any' } })

    claude.next({ content: 'Paris 18C, Rome 24C.' })
    const second = await client.messages.create({
      model: 'claude-haiku',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_P', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_R', content: '24C' },
          ],
        },
      ],
    })
    expect(second.content).toEqual([{ type: 'text', text: 'Paris 18C, Rome 24C.' }])
    const sent = claude.requests[1]!.body!.messages as Array<{ role: string; content: unknown }>
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_P', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_R', name: 'get_weather', input: { city: 'Rome' } },
      ],
    })
    expect(sent[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_P', content: '18C' },
        { type: 'tool_result', tool_use_id: 'toolu_R', content: '24C' },
      ],
    })
  })
})

describe('client disconnect on /v1/messages', () => {
  it('aborting the SDK stream stops the upstream stream', async () => {
    claude.next({ content: 'a b c d e f g h i j', chunkIntervalMs: 40 })
    const stream = client.messages.stream({ model: 'claude-haiku', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] })
    let seen = 0
    stream.on('text', () => {
      if (++seen === 2) stream.abort()
    })
    await stream.done().catch(() => undefined)
    await expect.poll(() => claude.aborted).toBe(1)
  })
})

describe('POST /v1/messages through the Anthropic SDK, OpenAI upstream', () => {
  it('translates the request to OpenAI chat and the answer back', async () => {
    openai.next({ content: 'Bonjour.', usage: { prompt_tokens: 9, completion_tokens: 2 } })
    const msg = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 50,
      system: 'French only.',
      stop_sequences: ['END'],
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(msg.content).toEqual([{ type: 'text', text: 'Bonjour.' }])
    expect(msg.stop_reason).toBe('end_turn')
    expect(msg.usage).toMatchObject({ input_tokens: 9, output_tokens: 2 })
    expect(openai.requests[0]!.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_completion_tokens: 50,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'French only.' },
        { role: 'user', content: 'Hello' },
      ],
    })
  })

  it('streams OpenAI tool calls as Anthropic tool_use blocks', async () => {
    openai.next({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }, { name: 'get_weather', arguments: '{"city":"Bergen"}' }] })
    const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 100, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }] })
    const final = await stream.finalMessage()
    expect(final.stop_reason).toBe('tool_use')
    expect(final.content).toEqual([
      { type: 'tool_use', id: expect.stringMatching(/^call_/), name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: expect.stringMatching(/^call_/), name: 'get_weather', input: { city: 'Bergen' } },
    ])
    expect(openai.requests[0]!.body!.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.input_schema } },
    ])
  })

  it('sends tool results to OpenAI as tool messages with the same ids', async () => {
    await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_X', name: 'get_weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_X', content: '-3C' }] },
      ],
    })
    const sent = openai.requests[0]!.body!.messages as unknown[]
    expect(sent.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_X', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_X', content: '-3C' },
    ])
  })
})

describe('errors on /v1/messages, in Anthropic shape', () => {
  it('400 BadRequestError naming the field, before any upstream call', async () => {
    const err = await client.messages.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'x' }] } as never).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    const e = err as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: /) } })
    expect(claude.requests).toHaveLength(0)
  })

  it('404 NotFoundError for an unknown model', async () => {
    const err = await client.messages.create({ model: 'claude-9', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
  })

  it('429 RateLimitError with the upstream retry-after', async () => {
    claude.next({ status: 429, headers: { 'retry-after': '12' } })
    const err = await client.messages.create({ model: 'claude-haiku', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.RateLimitError)
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('12')
  })

  it('upstream overloaded (529) and upstream auth failure become 502 InternalServerError', async () => {
    claude.next({ status: 529 })
    const overloaded = await client.messages.create({ model: 'claude-haiku', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError)
    expect((overloaded as InstanceType<typeof Anthropic.InternalServerError>).status).toBe(502)
    claude.next({ status: 401, error: { message: 'invalid x-api-key sk-ant-upstream-secret' } })
    const auth = await client.messages.create({ model: 'claude-haiku', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(Anthropic.InternalServerError)
    const message = (auth as Error).message
    expect(message).toContain("'anthropic'")
    expect(message).not.toContain('sk-ant-upstream-secret')
  })

  it('an error event mid-stream reaches the SDK as an APIError after the text so far', async () => {
    claude.next({ content: 'a b c d', streamErrorAfterChunks: 2 })
    const stream = client.messages.stream({ model: 'claude-haiku', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] })
    const texts: string[] = []
    stream.on('text', (t) => texts.push(t))
    const err = await stream.finalMessage().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.APIError)
    expect(texts.join('')).toBe('a b ')
  })

  it('a stream cut mid-way ends with an error event, not a complete message', async () => {
    claude.next({ content: 'a b c d e', cutAfterChunks: 2, chunkIntervalMs: 5 })
    const raw = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'x' }] }),
    })
    const text = await raw.text()
    expect(text).toContain('event: content_block_delta')
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/)
    expect(text).not.toContain('event: message_stop')
  })

  it('a wrong method gets a 405 in Anthropic’s error shape', async () => {
    const res = await fetch(`${gw.url}/v1/messages`)
    expect(res.status).toBe(405)
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })
})
