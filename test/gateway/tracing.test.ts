import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const CLIENT_SPAN = '00f067aa0ba902b7'
const traceparent = (flags = '01') => `00-${CLIENT_TRACE}-${CLIENT_SPAN}-${flags}`
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

const tracing = (extra: Record<string, unknown> = {}) => ({ telemetry: { tracing: { enabled: true, ...extra } } })
const idOf = (s: ReadableSpan) => s.spanContext().spanId
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId
const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6

/**
 * A request's spans, once its SERVER span has ended: that one ends last (after the stream, for streams), so
 * by then every step and upstream span of the request has ended too.
 */
async function spansOf(exporter: InMemorySpanExporter): Promise<ReadableSpan[]> {
  for (let i = 0; i < 400 && !exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER); i++) await new Promise((r) => setTimeout(r, 5))
  return exporter.getFinishedSpans()
}

let up: FakeOpenAI
beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'primary' })
})
afterAll(async () => {
  await up.close()
})

describe('tracing on: spans captured in memory', () => {
  let gw: TestGateway
  let client: OpenAI
  const exporter = new InMemorySpanExporter()
  let backup: FakeOpenAI

  beforeAll(async () => {
    backup = await startFakeOpenAI({ id: 'backup' })
    gw = await startTestGateway(
      openaiConfig(up.baseURL, {
        providers: [
          { name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream-secret-123' },
          { name: 'backup', type: 'openai-compatible', base_url: backup.baseURL },
        ],
        models: [
          { name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
          {
            name: 'resilient',
            retries: { attempts: 0 },
            circuit_breaker: { enabled: false },
            targets: [
              { provider: 'openai', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'llama-3-8b' },
            ],
          },
        ],
        ...tracing(),
      }),
      { spanExporter: exporter },
    )
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-client-key-should-not-appear', maxRetries: 0 })
  })
  afterAll(async () => {
    await gw.close()
    await backup.close()
  })
  afterEach(() => {
    exporter.reset()
    up.reset()
    backup.reset()
  })

  it("one SERVER span per request named '{operation} {model}' with the GenAI attributes, continuing the caller's trace", async () => {
    up.next({ content: 'Paris.', usage: { prompt_tokens: 14, completion_tokens: 2 } })
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Capital of France?' }], max_tokens: 20, temperature: 0.2 },
      { headers: { traceparent: traceparent() } },
    )
    const spans = await spansOf(exporter)
    const root = spans.find((s) => s.kind === SpanKind.SERVER)!
    expect(root.name).toBe('chat gpt-4o-mini')
    expect(root.spanContext().traceId).toBe(CLIENT_TRACE)
    expect(parentOf(root)).toBe(CLIENT_SPAN)
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 14,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.request.max_tokens': 20,
      'gen_ai.request.temperature': 0.2,
      'http.response.status_code': 200,
      'switchyard.attempts': 1,
    })
    expect(root.status.code).not.toBe(SpanStatusCode.ERROR)
  })

  it('a child span per middleware step and per upstream attempt, and the attempt span is the parent the upstream sees', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: traceparent() } })
    const spans = await spansOf(exporter)
    const root = spans.find((s) => s.kind === SpanKind.SERVER)!
    // Steps nest like the chain: one path from the request span down to the route step.
    const chain: ReadableSpan[] = []
    for (let parent = root; ; ) {
      const child = spans.find((s) => s.name.startsWith('middleware ') && parentOf(s) === idOf(parent))
      if (!child) break
      chain.push(child)
      parent = child
    }
    expect(chain.length).toBe(spans.filter((s) => s.name.startsWith('middleware ')).length)
    const names = chain.map((s) => s.name)
    expect(names.at(-1)).toBe('middleware route')
    expect(names.indexOf('middleware api')).toBeGreaterThanOrEqual(0)
    expect(names.indexOf('middleware accounting')).toBeGreaterThan(names.indexOf('middleware api'))
    const attempt = spans.find((s) => s.kind === SpanKind.CLIENT)!
    expect(attempt.name).toBe('chat gpt-4o-mini')
    expect(parentOf(attempt)).toBe(idOf(chain.at(-1)!))
    expect(attempt.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': up.port,
      'switchyard.attempt.result': 'success',
    })
    const sent = W3C.exec(String(up.requests[0]!.headers.traceparent))
    expect(sent?.[1]).toBe(CLIENT_TRACE)
    expect(sent?.[2]).toBe(idOf(attempt))
    // Exactly one traceparent went out: ours replaced the caller's, not added beside it.
    expect(String(up.requests[0]!.headers.traceparent)).not.toContain(',')
  })

  it('a stream: its span ends with the stream and carries the usage, finish reason and time to first chunk', async () => {
    up.next({ content: 'one two three', chunkIntervalMs: 5, usage: { prompt_tokens: 9, completion_tokens: 3 } })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count' }], stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('one two three')
    const root = (await spansOf(exporter)).find((s) => s.kind === SpanKind.SERVER)!
    expect(root.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
    })
    expect(root.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0)
    // The upstream span covers the whole stream, so it ends inside the request span.
    const attempt = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT)!
    expect(attempt.attributes['switchyard.attempt.result']).toBe('success')
    expect(ms(attempt.endTime)).toBeLessThanOrEqual(ms(root.endTime))
    // The upstream span lasts for the whole stream, not just until the router handed over its first chunk.
    expect(ms(attempt.endTime)).toBeGreaterThan(ms(root.startTime) + (root.attributes['gen_ai.response.time_to_first_chunk'] as number) * 1000)
  })

  it('a fallback: one span per attempt, the failed one marked as an error with its status', async () => {
    up.next({ status: 503 })
    backup.next({ content: 'from backup' })
    const res = await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] })
    expect(res.choices[0]!.message.content).toBe('from backup')
    const spans = await spansOf(exporter)
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT).sort((a, b) => (a.attributes['switchyard.attempt'] as number) - (b.attributes['switchyard.attempt'] as number))
    expect(attempts.map((s) => s.name)).toEqual(['chat gpt-4o-mini', 'chat llama-3-8b'])
    expect(attempts[0]!.attributes).toMatchObject({ 'switchyard.attempt.result': 'failure', 'error.type': '503', 'http.response.status_code': 503 })
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR)
    expect(attempts[1]!.attributes).toMatchObject({ 'switchyard.attempt.result': 'success', 'gen_ai.provider.name': 'backup' })
    const root = spans.find((s) => s.kind === SpanKind.SERVER)!
    expect(root.attributes).toMatchObject({ 'switchyard.attempts': 2, 'switchyard.fallbacks': 1, 'gen_ai.provider.name': 'backup', 'gen_ai.response.model': 'llama-3-8b' })
    // Each attempt told its upstream its own span id.
    expect(W3C.exec(String(up.requests[0]!.headers.traceparent))?.[2]).toBe(idOf(attempts[0]!))
    expect(W3C.exec(String(backup.requests[0]!.headers.traceparent))?.[2]).toBe(idOf(attempts[1]!))
  })

  it('an upstream failure marks the request span as an error; a caller error (404) does not', async () => {
    up.next({ status: 500 })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined)
    let root = (await spansOf(exporter)).find((s) => s.kind === SpanKind.SERVER)!
    expect(root.status.code).toBe(SpanStatusCode.ERROR)
    expect(root.attributes['http.response.status_code']).toBe(502)
    expect(root.attributes['error.type']).toEqual(expect.any(String))
    exporter.reset()
    await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined)
    root = (await spansOf(exporter)).find((s) => s.kind === SpanKind.SERVER)!
    expect(root.attributes['http.response.status_code']).toBe(404)
    expect(root.status.code).not.toBe(SpanStatusCode.ERROR)
  })

  it('without a traceparent a new trace starts and is propagated upstream', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const spans = await spansOf(exporter)
    const root = spans.find((s) => s.kind === SpanKind.SERVER)!
    expect(root.parentSpanContext).toBeUndefined()
    expect(W3C.exec(String(up.requests[0]!.headers.traceparent))?.[1]).toBe(root.spanContext().traceId)
  })

  it('spans hold no key and no prompt', async () => {
    up.next({ content: 'The launch code is 0000' })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me the launch code' }] })
    const text = JSON.stringify((await spansOf(exporter)).map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })))
    expect(text).not.toContain('sk-client-key')
    expect(text).not.toContain('sk-upstream-secret')
    expect(text).not.toContain('launch code')
  })
})

describe('tracing off (the default)', () => {
  it('creates no spans and passes the caller traceparent through unchanged', async () => {
    const exporter = new InMemorySpanExporter()
    const gw = await startTestGateway(openaiConfig(up.baseURL), { spanExporter: exporter })
    try {
      up.reset()
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: traceparent() } })
      await new Promise((r) => setTimeout(r, 50))
      expect(exporter.getFinishedSpans()).toHaveLength(0)
      expect(up.requests[0]!.headers.traceparent).toBe(traceparent())
    } finally {
      await gw.close()
    }
  })
})

describe('sampling', () => {
  it("sample_ratio 0 keeps no new traces but follows a caller's sampled flag", async () => {
    const exporter = new InMemorySpanExporter()
    const gw = await startTestGateway(openaiConfig(up.baseURL, tracing({ sample_ratio: 0 })), { spanExporter: exporter })
    try {
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
      up.reset()
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      await new Promise((r) => setTimeout(r, 50))
      expect(exporter.getFinishedSpans()).toHaveLength(0)
      // Not recorded, but the trace still travels on, marked not sampled.
      expect(W3C.exec(String(up.requests[0]!.headers.traceparent))?.[3]).toBe('00')
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: traceparent('01') } })
      const spans = await spansOf(exporter)
      expect(spans.find((s) => s.kind === SpanKind.SERVER)?.spanContext().traceId).toBe(CLIENT_TRACE)
    } finally {
      await gw.close()
    }
  })
})
