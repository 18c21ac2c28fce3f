import http from 'node:http'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'

let up: FakeOpenAI
let gw: TestGateway
let client: OpenAI

beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'primary' })
  gw = await startTestGateway(openaiConfig(up.baseURL, { models: [{ name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }] }))
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await up.close()
})
beforeEach(() => up.reset())

describe('POST /v1/chat/completions through the openai SDK', () => {
  it('answers JSON with the upstream content, usage and routing headers', async () => {
    up.next({ content: 'The answer is 42.', usage: { prompt_tokens: 11, completion_tokens: 5 } })
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the answer?' }] })
      .withResponse()
    expect(data.choices[0]!.message.content).toBe('The answer is 42.')
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 })
    expect(response.headers.get('x-switchyard-provider')).toBe('openai')
    expect(response.headers.get('x-switchyard-target-model')).toBe('gpt-4o-mini')
    expect(response.headers.get('x-switchyard-attempts')).toBe('1')
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/)
  })

  it('echoes a client x-request-id and forwards it upstream', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'req-42' } })
      .withResponse()
    expect(response.headers.get('x-request-id')).toBe('req-42')
    expect(up.requests[0]!.headers['x-request-id']).toBe('req-42')
  })

  it('tags every kind of response with its request id, and non-streamed ones with the overhead', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': type, 'x-request-id': 'req-all' }, body })
    const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const json = await post(chat)
    const stream = await post(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
    const badJson = await post('{not json')
    const unknownModel = await post(JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }))
    const models = await fetch(`${gw.baseURL}/models`, { headers: { 'x-request-id': 'req-all' } })
    const notFound = await fetch(`${gw.baseURL}/nowhere`, { headers: { 'x-request-id': 'req-all' } })
    expect([json, stream, badJson, unknownModel, models, notFound].map((r) => r.status)).toEqual([200, 200, 400, 404, 200, 404])
    for (const r of [json, stream, badJson, unknownModel, models, notFound]) {
      expect(r.headers.get('x-request-id')).toBe('req-all')
      await r.text()
    }
    for (const r of [json, badJson, unknownModel, models, notFound]) expect(r.headers.get('x-switchyard-overhead-ms')).toMatch(/^\d+\.\d{3}$/)
    expect(stream.headers.get('x-switchyard-overhead-ms')).toBeNull()
  })

  it('keeps idle client connections open for 65 s by default, longer than load balancers keep theirs', async () => {
    const url = new URL(`${gw.baseURL}/models`)
    const keepAlive = await new Promise<string | undefined>((resolve, reject) =>
      http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: new http.Agent({ keepAlive: true }) }, (res) => {
        res.resume()
        resolve(res.headers['keep-alive'] as string | undefined)
      }).on('error', reject),
    )
    expect(keepAlive).toBe('timeout=65')
  })

  it('streams a long answer intact and in order to a client that stops reading for a while', async () => {
    const words = Array.from({ length: 4000 }, (_, i) => `word${i}`)
    up.next({ content: words.join(' ') + ' ' + 'z'.repeat(50_000) })
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const url = new URL(`${gw.baseURL}/chat/completions`)
    const raw = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.pause() // the gateway's writes back up until the client reads again
        setTimeout(() => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (text += d))
          res.on('end', () => resolve(text))
          res.resume()
        }, 300)
      })
      req.on('error', reject)
      req.end(body)
    })
    const events = raw.split('\n\n').filter(Boolean)
    expect(events.at(-1)).toBe('data: [DONE]')
    const text = events.slice(0, -1).map((e) => (JSON.parse(e.slice('data: '.length)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('')
    expect(text).toBe(words.join(' ') + ' ' + 'z'.repeat(50_000))
  })

  it('passes tools, tool_choice, response_format, stop, seed and unknown fields through to an OpenAI upstream', async () => {
    up.next({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] })
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      stop: ['END'],
      seed: 7,
      max_completion_tokens: 50,
      // @ts-expect-error a field the gateway does not know must still reach OpenAI
      logit_bias_custom: { x: 1 },
    })
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(res.choices[0]!.message.tool_calls![0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } })
    const sent = up.requests[0]!.body!
    expect(sent).toMatchObject({ tool_choice: 'auto', response_format: { type: 'json_object' }, stop: ['END'], seed: 7, max_completion_tokens: 50, logit_bias_custom: { x: 1 } })
    expect(sent.stream).toBe(false)
    expect(up.requests[0]!.headers.authorization).toBe('Bearer sk-upstream-secret-123')
  })

  it('sends a tool result back upstream with its id', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    })
    const msgs = up.requests[0]!.body!.messages as Array<Record<string, unknown>>
    expect(msgs[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'sunny' })
  })

  it('streams chunk by chunk and ends with [DONE]; usage only when asked for', async () => {
    up.next({ content: 'one two three four', chunkIntervalMs: 5 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count' }], stream: true })
    let text = ''
    let chunks = 0
    let sawUsage = false
    for await (const chunk of stream) {
      chunks++
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) sawUsage = true
    }
    expect(text).toBe('one two three four')
    expect(chunks).toBeGreaterThanOrEqual(5)
    expect(sawUsage).toBe(false)
    // The gateway always asks upstream for usage, so accounting knows the real count.
    expect(up.requests[0]!.body!.stream_options).toEqual({ include_usage: true })

    up.next({ content: 'a b', usage: { prompt_tokens: 3, completion_tokens: 2 } })
    const withUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let usage: unknown
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 })
  })

  it('streams tool calls', async () => {
    up.next({ toolCalls: [{ name: 'a', arguments: '{"x":1}' }, { name: 'b', arguments: '{"y":2}' }] })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'go' }], stream: true })
    const args: Record<number, string> = {}
    const names: Record<number, string> = {}
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        args[tc.index] = (args[tc.index] ?? '') + (tc.function?.arguments ?? '')
        if (tc.function?.name) names[tc.index] = tc.function.name
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(names).toEqual({ 0: 'a', 1: 'b' })
    expect(args).toEqual({ 0: '{"x":1}', 1: '{"y":2}' })
    expect(finish).toBe('tool_calls')
  })
})

describe('errors the SDK can catch by class', () => {
  it('400 BadRequestError with param for a schema error', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'x' }] as never }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.param).toBe('messages[0].role')
    expect(up.requests).toHaveLength(0)
  })

  it('400 invalid_json for malformed JSON', async () => {
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', code: 'invalid_json', param: null } })
  })

  it('404 NotFoundError model_not_found for an unknown model', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect(err.code).toBe('model_not_found')
  })

  it('413 for a body over the limit, 415 for a non-JSON body, 405 for a wrong method', async () => {
    const big = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] }),
    })
    expect(big.status).toBe(413)
    expect((await big.json()).error.code).toBe('request_too_large')
    const text = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })
    expect(text.status).toBe(415)
    const get = await fetch(`${gw.baseURL}/chat/completions`)
    expect(get.status).toBe(405)
    expect((await get.json()).error.type).toBe('invalid_request_error')
  })

  it('429 RateLimitError with the upstream Retry-After', async () => {
    up.next({ status: 429, headers: { 'retry-after': '30' } })
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect(err.headers.get('retry-after')).toBe('30')
  })

  it('upstream 500 → 502 InternalServerError; upstream auth failure → 502 naming the provider', async () => {
    up.next({ status: 500 })
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect(err.status).toBe(502)
    up.next({ status: 401, error: { message: 'Incorrect API key provided: sk-upstream-secret-123' } })
    const auth = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(auth.status).toBe(502)
    expect(auth.message).toContain("'openai'")
    expect(auth.message).not.toContain('sk-upstream')
  })

  it('an upstream that cannot be reached → 502; the SDK sees an APIError, not a hang', async () => {
    const dead = await startFakeOpenAI()
    const port = dead.port
    await dead.close()
    const g = await startTestGateway(openaiConfig(`http://127.0.0.1:${port}/v1`))
    const c = new OpenAI({ baseURL: g.baseURL, apiKey: 'x', maxRetries: 0 })
    const err = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(err.status).toBe(502)
    expect(err.code).toBe('upstream_unreachable')
    await g.close()
  })

  it('a gateway that is down → APIConnectionError', async () => {
    const c = new OpenAI({ baseURL: 'http://127.0.0.1:1/v1', apiKey: 'x', maxRetries: 0 })
    const err = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError)
  })

  it('a stream cut mid-way ends with an error event, not a normal finish', async () => {
    up.next({ content: 'a b c d e f', cutAfterChunks: 3 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true })
    let text = ''
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((e) => e)
    expect(text).toBe('a b c ')
    expect(err).toBeInstanceOf(OpenAI.APIError)
  })

  it('never writes the upstream key or the prompt into logs', async () => {
    up.next({ status: 401, error: { message: 'Incorrect API key provided: sk-upstream-secret-123' } })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my secret prompt text' }] }).catch(() => undefined)
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my secret prompt text' }] })
    const all = gw.logs.join('\n')
    expect(all).toContain('"model":"gpt-4o-mini"')
    expect(all).not.toContain('sk-upstream-secret-123')
    expect(all).not.toContain('my secret prompt text')
  })
})

describe('models and embeddings', () => {
  it('lists configured model names in OpenAI list shape', async () => {
    const models = []
    for await (const m of client.models.list()) models.push(m.id)
    expect(models).toEqual(['gpt-4o-mini'])
  })

  it('routes embeddings to the provider', async () => {
    const res = await client.embeddings.create({ model: 'gpt-4o-mini', input: ['hello', 'world'] })
    expect(res.data).toHaveLength(2)
    expect(res.data[0]!.embedding).toHaveLength(8)
    expect(up.requests[0]!.path).toBe('/v1/embeddings')
  })
})
