import { writeFileSync } from 'node:fs'
import OpenAI from 'openai'
import { stringify } from 'yaml'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { parsePrometheusText, samples, total, type Family } from '../telemetry/prometheus-text.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// USD per million tokens, set inline so the expected cost is computed here independently of the shipped table.
const PRICE = { input: 0.15, cached: 0.075, output: 0.6 }
const PRICING = [{ model: 'gpt-4o-mini', input_per_mtok: PRICE.input, output_per_mtok: PRICE.output, cached_input_per_mtok: PRICE.cached }]
const PROMPT = 'the purple elephant sings at 42 midnight'
const CLIENT_KEY = 'sk-client-secret-9f8e7d6c'

const costOf = (u: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number }) =>
  ((u.prompt_tokens - (u.cached_tokens ?? 0)) * PRICE.input + (u.cached_tokens ?? 0) * PRICE.cached + u.completion_tokens * PRICE.output) / 1e6

async function scrape(gw: TestGateway, path = '/metrics', headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${gw.url}${path}`, { headers })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await res.text())
}

/** The request metrics are written when the response (or stream) has fully ended: wait for the count. */
async function scrapeAfter(gw: TestGateway, requests: number): Promise<Map<string, Family>> {
  for (let i = 0; i < 100; i++) {
    const f = await scrape(gw)
    if (total(f, 'switchyard_requests_total') >= requests) return f
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`fewer than ${requests} requests were recorded`)
}

let up: FakeOpenAI
let backup: FakeOpenAI
beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'primary' })
  backup = await startFakeOpenAI({ id: 'backup' })
})
afterAll(async () => {
  await up.close()
  await backup.close()
})
beforeEach(() => {
  up.reset()
  backup.reset()
})

describe('/metrics after real traffic', () => {
  let gw: TestGateway
  let client: OpenAI
  beforeAll(async () => {
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
            targets: [
              { provider: 'openai', model: 'gpt-4o-mini' },
              { provider: 'backup', model: 'gpt-4o-mini' },
            ],
          },
        ],
        pricing: PRICING,
      }),
    )
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 })
  })
  afterAll(async () => {
    await gw.close()
  })

  it('token counters equal the upstream usage, cost equals price × tokens, TTFT is observed for streams and overhead for all', async () => {
    const before = await scrape(gw)
    const usages = [
      { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 64 },
      { prompt_tokens: 15, completion_tokens: 4 },
      { prompt_tokens: 2000, completion_tokens: 500, cached_tokens: 1024 },
    ]
    up.next({ content: 'JSON answer one', usage: usages[0] })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] })
    up.next({ content: 'JSON answer two', usage: usages[1] })
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }).withResponse()
    up.next({ content: 'a streamed answer in words', usage: usages[2] })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }], stream: true })
    for await (const _ of stream);

    const f = await scrapeAfter(gw, total(before, 'switchyard_requests_total') + 3)
    const delta = (name: string, labels: Record<string, string> = {}) => total(f, name, labels) - total(before, name, labels)
    const sum = (pick: (u: (typeof usages)[number]) => number) => usages.reduce((s, u) => s + pick(u), 0)
    const labels = { model: 'gpt-4o-mini', provider: 'openai' }
    expect(delta('switchyard_tokens_total', { ...labels, type: 'input' })).toBe(sum((u) => u.prompt_tokens))
    expect(delta('switchyard_tokens_total', { ...labels, type: 'output' })).toBe(sum((u) => u.completion_tokens))
    expect(delta('switchyard_tokens_total', { ...labels, type: 'cached_input' })).toBe(sum((u) => u.cached_tokens ?? 0))
    expect(delta('switchyard_cost_usd_total', labels)).toBeCloseTo(sum(costOf), 12)
    expect(delta('switchyard_requests_total', { ...labels, status_class: '2xx' })).toBe(3)
    expect(delta('switchyard_time_to_first_token_seconds_count', labels)).toBe(1)
    expect(delta('switchyard_time_to_first_token_seconds_sum', labels)).toBeGreaterThan(0)
    expect(delta('switchyard_gateway_overhead_seconds_count', { stream: 'false' })).toBe(2)
    expect(delta('switchyard_gateway_overhead_seconds_count', { stream: 'true' })).toBe(1)
    expect(delta('switchyard_request_duration_seconds_count', { ...labels, stream: 'true' })).toBe(1)
    const genAi = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o-mini', gen_ai_response_model: 'gpt-4o-mini' }
    expect(delta('gen_ai_client_token_usage_sum', { ...genAi, gen_ai_token_type: 'input' })).toBe(sum((u) => u.prompt_tokens))
    expect(delta('gen_ai_client_token_usage_sum', { ...genAi, gen_ai_token_type: 'output' })).toBe(sum((u) => u.completion_tokens))
    expect(delta('gen_ai_client_operation_duration_seconds_count', genAi)).toBe(3)
    expect(delta('switchyard_upstream_attempts_total', { ...labels, result: 'success' })).toBe(3)

    // The JSON answer says how long the gateway itself took, in milliseconds.
    const overheadMs = Number(response.headers.get('x-switchyard-overhead-ms'))
    expect(response.headers.get('x-switchyard-overhead-ms')).toMatch(/^\d+\.\d{3}$/)
    expect(overheadMs).toBeGreaterThanOrEqual(0)
  })

  it('counts errors by status class and code, and upstream failures, fallbacks and circuit state per target', async () => {
    const before = await scrape(gw)
    up.next({ status: 500 })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined)
    up.next({ status: 503 })
    backup.next({ content: 'from backup', usage: { prompt_tokens: 3, completion_tokens: 2 } })
    await client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] })
    const f = await scrapeAfter(gw, total(before, 'switchyard_requests_total') + 2)
    const delta = (name: string, labels: Record<string, string> = {}) => total(f, name, labels) - total(before, name, labels)
    expect(delta('switchyard_requests_total', { model: 'gpt-4o-mini', status_class: '5xx' })).toBe(1)
    expect(delta('switchyard_request_errors_total', { model: 'gpt-4o-mini', status_class: '5xx' })).toBe(1)
    expect(delta('switchyard_upstream_attempts_total', { model: 'resilient', provider: 'openai', result: 'failure' })).toBe(1)
    expect(delta('switchyard_upstream_attempts_total', { model: 'resilient', provider: 'backup', result: 'success' })).toBe(1)
    expect(delta('switchyard_fallbacks_total', { model: 'resilient', from_provider: 'openai', to_provider: 'backup' })).toBe(1)
    expect(delta('switchyard_tokens_total', { model: 'resilient', provider: 'backup', type: 'input' })).toBe(3)
    // Every configured target has a circuit series from the start.
    const closed = samples(f, 'switchyard_circuit_state', { state: 'closed' })
    expect(closed.map((s) => `${s.labels.model} ${s.labels.target}`).sort()).toEqual(['gpt-4o-mini openai/gpt-4o-mini', 'resilient backup/gpt-4o-mini', 'resilient openai/gpt-4o-mini'])
    expect(closed.every((s) => s.value === 1)).toBe(true)
  })

  it('shows a stream in flight until it ends', async () => {
    up.next({ content: 'slow slow slow slow', chunkIntervalMs: 150 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true })
    const iterator = stream[Symbol.asyncIterator]()
    await iterator.next()
    expect(total(await scrape(gw), 'switchyard_requests_in_flight')).toBe(1)
    while (!(await iterator.next()).done);
    let inFlight = 1
    for (let i = 0; i < 100 && inFlight !== 0; i++) {
      inFlight = total(await scrape(gw), 'switchyard_requests_in_flight')
      if (inFlight) await new Promise((r) => setTimeout(r, 10))
    }
    expect(inFlight).toBe(0)
  })

  it('writes one log line per request with its facts, and no key or prompt anywhere in metrics or logs', async () => {
    up.next({ content: 'an answer about elephants', usage: { prompt_tokens: 10, completion_tokens: 5 } })
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }).withResponse()
    const id = response.headers.get('x-request-id')!
    await scrapeAfter(gw, 1)
    const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.requestId === id)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai', status: 200, inputTokens: 10, outputTokens: 5, attempts: 1, costUsd: costOf({ prompt_tokens: 10, completion_tokens: 5 }) })
    expect(lines[0]!.latencyMs).toEqual(expect.any(Number))
    expect(lines[0]!.overheadMs).toEqual(expect.any(Number))
    const everything = (await (await fetch(`${gw.url}/metrics`)).text()) + gw.logs.join('\n')
    for (const secret of [CLIENT_KEY, 'sk-upstream-secret-123', PROMPT, 'elephant']) expect(everything).not.toContain(secret)
  })
})

describe('with virtual keys', () => {
  it("labels tokens, cost and rejections with the key's name and team, never the key itself", async () => {
    const key = 'sk-app-a-5d41402abc4b2a76b9719d911017c592'
    const gw = await startTestGateway(
      openaiConfig(up.baseURL, {
        auth: { mode: 'keys', keys: [{ key, name: 'app-a', team: 'search', limits: { rpm: 1 } }] },
        pricing: PRICING,
      }),
    )
    try {
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: key, maxRetries: 0 })
      up.next({ usage: { prompt_tokens: 20, completion_tokens: 5 } })
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] })
      // The key's second request in the minute is over its rpm.
      expect((await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)).status).toBe(429)
      await new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-wrong-key-0000', maxRetries: 0 }).models.list().catch(() => undefined)
      await new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-wrong-key-0000', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined)
      const f = await scrapeAfter(gw, 3)
      const who = { model: 'gpt-4o-mini', key_name: 'app-a', team: 'search' }
      expect(total(f, 'switchyard_tokens_total', { ...who, type: 'input' })).toBe(20)
      expect(total(f, 'switchyard_cost_usd_total', who)).toBeCloseTo(costOf({ prompt_tokens: 20, completion_tokens: 5 }), 12)
      expect(total(f, 'switchyard_rejections_total', { ...who, reason: 'rate_limit' })).toBe(1)
      expect(total(f, 'switchyard_rejections_total', { reason: 'auth' })).toBe(1)
      const everything = (await (await fetch(`${gw.url}/metrics`)).text()) + gw.logs.join('\n')
      for (const secret of [key, 'sk-wrong-key-0000', PROMPT]) expect(everything).not.toContain(secret)
      expect(gw.logs.some((l) => l.includes('"keyName":"app-a"'))).toBe(true)
    } finally {
      await gw.close()
    }
  })
})

describe('with guardrails and the cache in the chain', () => {
  it('counts guardrail triggers by rule and action, and exact cache hits without upstream tokens', async () => {
    const gw = await startTestGateway(
      openaiConfig(up.baseURL, {
        guardrails: { pii: { action: 'redact' } },
        cache: { enabled: true, semantic: { enabled: false } },
      }),
    )
    try {
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
      const ask = (content: string, headers: Record<string, string> = {}) =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers }).withResponse()
      up.next({ content: 'Done.', usage: { prompt_tokens: 30, completion_tokens: 1 } })
      await ask('Write to jane.doe@example.com about the invoice')
      up.setDefault({ content: 'Eight.', usage: { prompt_tokens: 12, completion_tokens: 2 } })
      await ask('How many legs does a spider have?')
      // The answer is stored after it was sent: look up (without storing) until it is there.
      let cached = ''
      for (let i = 0; i < 200 && cached !== 'hit'; i++) {
        cached = (await ask('How many legs does a spider have?', { 'x-switchyard-cache': 'no-store' })).response.headers.get('x-switchyard-cache') ?? ''
        if (cached !== 'hit') await new Promise((r) => setTimeout(r, 10))
      }
      expect(cached).toBe('hit')
      const upstreamCalls = up.requests.length
      const f = await scrapeAfter(gw, upstreamCalls + 1)
      const triggers = samples(f, 'switchyard_guardrail_triggers_total', { action: 'redact', model: 'gpt-4o-mini' })
      expect(triggers.map((s) => s.labels.rule)).toEqual([expect.stringMatching(/email/i)])
      expect(triggers[0]!.value).toBe(1)
      expect(total(f, 'switchyard_cache_lookups_total', { model: 'gpt-4o-mini', result: 'hit' })).toBe(1)
      expect(total(f, 'switchyard_cache_lookups_total', { model: 'gpt-4o-mini', result: 'miss' })).toBe(upstreamCalls)
      expect(total(f, 'switchyard_requests_total', { model: 'gpt-4o-mini', cache: 'hit' })).toBe(1)
      expect(total(f, 'switchyard_cache_lookup_duration_seconds_count', { model: 'gpt-4o-mini' })).toBe(upstreamCalls + 1)
      // Only the upstream's answers count tokens: 30 for the first question, 12 for each spider question it answered.
      const spiders = up.requests.filter((r) => JSON.stringify(r.body).includes('legs does a spider')).length
      expect(total(f, 'switchyard_tokens_total', { model: 'gpt-4o-mini', type: 'input' })).toBe(30 + 12 * spiders)
      expect(total(f, 'switchyard_tokens_total', { model: 'gpt-4o-mini', provider: 'cache' })).toBe(0)
      expect((await (await fetch(`${gw.url}/metrics`)).text()) + gw.logs.join('\n')).not.toContain('jane.doe')
    } finally {
      await gw.close()
    }
  })
})

describe('metrics and log options', () => {
  it('serves metrics at the configured path behind the bearer token', async () => {
    const gw = await startTestGateway(openaiConfig(up.baseURL, { telemetry: { metrics: { path: '/internal/metrics', bearer_token: 'scrape-token-1' } } }))
    try {
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404)
      const denied = await fetch(`${gw.url}/internal/metrics`)
      expect(denied.status).toBe(401)
      expect(denied.headers.get('www-authenticate')).toBe('Bearer')
      expect((await fetch(`${gw.url}/internal/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
      const f = await scrape(gw, '/internal/metrics', { authorization: 'Bearer scrape-token-1' })
      expect(f.has('switchyard_requests_total')).toBe(true)
    } finally {
      await gw.close()
    }
  })

  it('a config reload keeps the counters and adds the new targets', async () => {
    const config = openaiConfig(up.baseURL)
    const gw = await startTestGateway(config)
    try {
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
      up.next({ usage: { prompt_tokens: 11, completion_tokens: 1 } })
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      const models = [...(config.models as object[]), { name: 'second', targets: [{ provider: 'openai', model: 'gpt-4o' }] }]
      writeFileSync(gw.configFile, stringify({ ...config, models, server: { host: '127.0.0.1', port: 0 }, telemetry: { tracing: { enabled: true, otlp_endpoint: 'http://127.0.0.1:9' } } }))
      expect(await gw.reload()).toEqual({ ok: true })
      up.next({ usage: { prompt_tokens: 4, completion_tokens: 1 } })
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      const f = await scrapeAfter(gw, 2)
      expect(total(f, 'switchyard_tokens_total', { model: 'gpt-4o-mini', type: 'input' })).toBe(15)
      expect(samples(f, 'switchyard_circuit_state', { model: 'second', state: 'closed' }).map((s) => s.value)).toEqual([1])
    } finally {
      await gw.close()
    }
  })

  it('shows a Redis that cannot be reached as a degraded store', async () => {
    const gw = await startTestGateway(openaiConfig(up.baseURL, { store: { redis_url: 'redis://127.0.0.1:1' } }))
    try {
      let degraded = 0
      for (let i = 0; i < 200 && degraded !== 1; i++) {
        degraded = total(await scrape(gw), 'switchyard_store_degraded', { backend: 'redis' })
        if (degraded !== 1) await new Promise((r) => setTimeout(r, 10))
      }
      expect(degraded).toBe(1)
    } finally {
      await gw.close()
    }
  })

  it('metrics.enabled: false serves no /metrics', async () => {
    const gw = await startTestGateway(openaiConfig(up.baseURL, { telemetry: { metrics: { enabled: false } } }))
    try {
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(404)
    } finally {
      await gw.close()
    }
  })

  it('log_bodies: true puts the prompt and the answer into the log line; log_requests: false writes none', async () => {
    const withBodies = await startTestGateway(openaiConfig(up.baseURL, { telemetry: { log_bodies: true } }))
    try {
      up.next({ content: 'an answer about elephants' })
      await new OpenAI({ baseURL: withBodies.baseURL, apiKey: 'x', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] })
      const line = withBodies.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.path === '/v1/chat/completions')
      expect(line).toMatchObject({ messages: [{ role: 'user', content: PROMPT }], answer: [{ content: 'an answer about elephants' }] })
    } finally {
      await withBodies.close()
    }
    const quiet = await startTestGateway(openaiConfig(up.baseURL, { telemetry: { log_requests: false } }))
    try {
      await new OpenAI({ baseURL: quiet.baseURL, apiKey: 'x', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      expect(quiet.logs.filter((l) => JSON.parse(l).msg === 'request')).toHaveLength(0)
    } finally {
      await quiet.close()
    }
  })
})
