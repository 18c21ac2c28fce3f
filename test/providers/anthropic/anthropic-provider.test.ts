import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAnthropicProvider } from '../../../src/providers/anthropic/index.js'
import type { ChatCompletionChunk, ChatRequest, Provider } from '../../../src/providers/types.js'
import { UpstreamError } from '../../../src/providers/upstream-error.js'
import { startFakeAnthropic, type FakeAnthropic } from '../../upstreams/fake-anthropic.js'

let up: FakeAnthropic
let provider: Provider
const warnings: string[] = []

const cfg = (baseUrl: string, extra: Record<string, unknown> = {}) => ({
  name: 'claude',
  type: 'anthropic' as const,
  base_url: baseUrl,
  api_key: 'sk-ant-secret',
  headers: { 'anthropic-beta': 'test-beta' },
  max_connections: 4,
  version: '2023-06-01',
  default_max_tokens: 1024,
  ...extra,
})

const ctx = () => ({ signal: new AbortController().signal, headers: { 'x-request-id': 'req-7' } })
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'claude-haiku', messages: [{ role: 'user', content }], ...extra })

async function collect(it: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = []
  for await (const c of it) out.push(c)
  return out
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UpstreamError)
  return err as UpstreamError
}

beforeAll(async () => {
  up = await startFakeAnthropic({ id: 'claude' })
  provider = createAnthropicProvider(cfg(up.baseURL), { onWarning: (_p, w) => warnings.push(w) })
})
afterAll(async () => {
  await provider.close()
  await up.close()
})
beforeEach(() => {
  up.reset()
  warnings.length = 0
})

describe('anthropic provider, JSON', () => {
  it('sends the translated request with Anthropic headers and translates the answer back', async () => {
    up.next({ content: 'Bonjour!', usage: { input_tokens: 20, output_tokens: 3, cache_read_input_tokens: 5 } })
    const res = await provider.chat(ask('Say hi', { temperature: 0.5, user: 'u1', stop: ['X'] }), 'claude-3-5-haiku-latest', ctx())
    expect(res).toMatchObject({
      object: 'chat.completion',
      model: 'claude-3-5-haiku-latest',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 25, completion_tokens: 3, total_tokens: 28, prompt_tokens_details: { cached_tokens: 5 } },
    })
    const sent = up.requests[0]!
    expect(sent.path).toBe('/v1/messages')
    expect(sent.headers['x-api-key']).toBe('sk-ant-secret')
    expect(sent.headers['anthropic-version']).toBe('2023-06-01')
    expect(sent.headers['anthropic-beta']).toBe('test-beta')
    expect(sent.headers['x-request-id']).toBe('req-7')
    expect(sent.headers.authorization).toBeUndefined()
    expect(sent.body).toEqual({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 1024,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hi' }] }],
      temperature: 0.5,
      stop_sequences: ['X'],
      metadata: { user_id: 'u1' },
    })
  })

  it('round-trips tool calls: tool definitions out, tool_use back, tool_result out with the same id', async () => {
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
    up.next({ toolCalls: [{ name: 'weather', arguments: '{"city":"Paris"}' }, { name: 'weather', arguments: '{"city":"Rome"}' }] })
    const first = await provider.chat(ask('Weather in Paris and Rome?', { tools, tool_choice: 'required' }), 'claude-x', ctx())
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    const calls = first.choices[0]!.message.tool_calls!
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ city: 'Paris' }, { city: 'Rome' }])
    expect(up.requests[0]!.body).toMatchObject({ tools: [{ name: 'weather' }], tool_choice: { type: 'any' } })

    up.next({ content: 'Paris 18C, Rome 24C.' })
    const second = await provider.chat(
      {
        model: 'claude-haiku',
        tools,
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          { role: 'assistant', content: null, tool_calls: calls },
          { role: 'tool', tool_call_id: calls[0]!.id, content: '18C' },
          { role: 'tool', tool_call_id: calls[1]!.id, content: '24C' },
        ],
      },
      'claude-x',
      ctx(),
    )
    expect(second.choices[0]!.message.content).toBe('Paris 18C, Rome 24C.')
    const msgs = up.requests[1]!.body!.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>
    expect(msgs[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: calls[0]!.id, content: '18C' },
      { type: 'tool_result', tool_use_id: calls[1]!.id, content: '24C' },
    ])
  })

  it('serves response_format json_schema through a forced tool and returns its input as text', async () => {
    up.next({ toolCalls: [{ name: 'answer', arguments: '{"value":42}' }] })
    const res = await provider.chat(
      ask('The answer?', { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { value: { type: 'number' } } } } } }),
      'claude-x',
      ctx(),
    )
    expect(res.choices[0]).toMatchObject({ message: { content: '{"value":42}' }, finish_reason: 'stop' })
    expect(up.requests[0]!.body!.tool_choice).toEqual({ type: 'tool', name: 'answer' })
  })

  it('lists models from GET /v1/models', async () => {
    expect(await provider.listModels(ctx())).toContain('claude-3-5-haiku-latest')
    expect(up.requests[0]!.path).toBe('/v1/models?limit=1000')
  })

  it('also accepts a base_url that ends in /v1', async () => {
    const p = createAnthropicProvider(cfg(`${up.baseURL}/v1`))
    await p.chat(ask('hi'), 'claude-x', ctx())
    await p.close()
    expect(up.requests[0]!.path).toBe('/v1/messages')
  })

  it('reports warnings for parameters Anthropic lacks', async () => {
    await provider.chat(ask('hi', { seed: 3 }), 'claude-x', ctx())
    expect(warnings).toEqual(['seed is not supported by Anthropic and was ignored'])
  })

  it('is not configured without an API key', () => {
    expect(provider.state()).toBe('ready')
    expect(createAnthropicProvider(cfg(up.baseURL, { api_key: '' })).state()).toBe('not_configured')
  })
})

describe('anthropic provider, streams', () => {
  it('streams text chunk by chunk and ends with a usage chunk', async () => {
    up.next({ content: 'one two three', usage: { input_tokens: 9, output_tokens: 3 } })
    const chunks = await collect(await provider.stream(ask('count'), 'claude-x', ctx()))
    expect(up.requests[0]!.body!.stream).toBe(true)
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe('one two three')
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(3)
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })
  })

  it('streams several tool calls with their own indexes and ids', async () => {
    up.next({ toolCalls: [{ name: 'a', arguments: '{"x":1}', id: 'toolu_1' }, { name: 'b', arguments: '{"y":"two"}', id: 'toolu_2' }] })
    const chunks = await collect(await provider.stream(ask('go', { tools: [{ type: 'function', function: { name: 'a' } }, { type: 'function', function: { name: 'b' } }] }), 'claude-x', ctx()))
    const calls: Record<number, { id?: string; name?: string; args: string }> = {}
    for (const c of chunks)
      for (const d of c.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[d.index] ??= { args: '' })
        if (d.id) call.id = d.id
        if (d.function?.name) call.name = d.function.name
        call.args += d.function?.arguments ?? ''
      }
    expect(calls).toEqual({ 0: { id: 'toolu_1', name: 'a', args: '{"x":1}' }, 1: { id: 'toolu_2', name: 'b', args: '{"y":"two"}' } })
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls')
  })

  it('fails the stream when the upstream cuts it mid-way', async () => {
    up.next({ content: 'a b c d e', cutAfterChunks: 2, chunkIntervalMs: 20 })
    const stream = await provider.stream(ask('x'), 'claude-x', ctx())
    const err = await failure(collect(stream))
    expect(['protocol', 'connection']).toContain(err.kind)
  })

  it('fails the stream on malformed SSE data', async () => {
    up.next({ content: 'a b c', malformed: true })
    const err = await failure(collect(await provider.stream(ask('x'), 'claude-x', ctx())))
    expect(err.kind).toBe('protocol')
  })

  it('turns an error event mid-stream into an UpstreamError with the Anthropic type as code', async () => {
    up.next({ content: 'a b c', streamErrorAfterChunks: 1 })
    const err = await failure(collect(await provider.stream(ask('x'), 'claude-x', ctx())))
    expect(err).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true })
  })

  it('stops the upstream stream when the caller aborts', async () => {
    up.next({ content: 'a b c d e f g h', chunkIntervalMs: 50 })
    const ac = new AbortController()
    const stream = await provider.stream(ask('x'), 'claude-x', { signal: ac.signal })
    const seen: ChatCompletionChunk[] = []
    const done = (async () => {
      for await (const c of stream) {
        seen.push(c)
        if (seen.length === 2) ac.abort(new Error('client went away'))
      }
    })()
    await expect(done).rejects.toThrow()
    await expect.poll(() => up.aborted).toBe(1)
  })
})

describe('anthropic provider, errors', () => {
  it('maps 529 overloaded to a retryable error with the type as code', async () => {
    up.next({ status: 529 })
    const err = await failure(provider.chat(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ kind: 'http', status: 529, code: 'overloaded_error', retryable: true, provider: 'claude' })
  })

  it('keeps Retry-After on 429', async () => {
    up.next({ status: 429, headers: { 'retry-after': '7' } })
    const err = await failure(provider.stream(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_error', retryAfterMs: 7000, retryable: true })
  })

  it('marks upstream auth failures as http 401/403 (the router answers 502 naming the provider)', async () => {
    up.next({ status: 401, error: { message: 'invalid x-api-key' } })
    const err = await failure(provider.chat(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ kind: 'http', status: 401, code: 'authentication_error', retryable: false })
    up.next({ status: 403 })
    expect(await failure(provider.chat(ask('x'), 'claude-x', ctx()))).toMatchObject({ status: 403, code: 'permission_error' })
  })

  it('passes a client 400 on as non-retryable, with the upstream message', async () => {
    up.next({ status: 400, error: { message: 'messages.0.content: bad' } })
    const err = await failure(provider.chat(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ status: 400, code: 'invalid_request_error', message: 'messages.0.content: bad', retryable: false })
  })

  it('handles a non-JSON error body from a proxy', async () => {
    up.next({ status: 502, rawBody: '<html><body>Bad Gateway</body></html>' })
    const err = await failure(provider.chat(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ kind: 'http', status: 502, retryable: true, code: undefined })
    expect(err.message).not.toContain('<html>')
  })

  it('rejects what Anthropic cannot express before calling it', async () => {
    const err = await failure(provider.chat(ask('x', { n: 2 }), 'claude-x', ctx()))
    expect(err).toMatchObject({ status: 400, param: 'n', retryable: false })
    expect(up.requests).toHaveLength(0)
  })

  it('has no embeddings: a non-retryable 400', async () => {
    const err = await failure(provider.embeddings({ model: 'x', input: 'hi' }, 'claude-x', ctx()))
    expect(err).toMatchObject({ status: 400, retryable: false, code: 'unsupported_operation' })
  })

  it('reports a connection failure as retryable', async () => {
    up.next({ reset: true })
    const err = await failure(provider.chat(ask('x'), 'claude-x', ctx()))
    expect(err).toMatchObject({ kind: 'connection', retryable: true })
  })
})
