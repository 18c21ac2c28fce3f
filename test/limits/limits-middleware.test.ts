import { Hono } from 'hono'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { errorResponse } from '../../src/api/error-response.js'
import type { AppEnv } from '../../src/app-env.js'
import { configSchema } from '../../src/config/schema.js'
import { createKeyStore } from '../../src/keys/key-store.js'
import { countTextTokens, estimateInputTokens } from '../../src/limits/estimate-tokens.js'
import { createLimiter } from '../../src/limits/limiter.js'
import { createUsage } from '../../src/limits/usage.js'
import { auth } from '../../src/middleware/auth.js'
import { limits } from '../../src/middleware/limits.js'
import type { Outcome } from '../../src/outcome.js'
import { createPricing } from '../../src/pricing/price-table.js'
import type { ChatCompletionChunk, ChatRequest } from '../../src/providers/types.js'
import { newRequestLog, type RequestLog } from '../../src/request-log.js'
import type { ResolvedModel } from '../../src/routing/resolved-model.js'
import { createStore } from '../../src/store/store.js'

// The limits step on its own, in memory mode, with a stand-in for the steps after it.

const KEY = 'sk-test-mw-0123456789'
const request: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 50 }

function setup(raw: Record<string, unknown>, answer: (c: { req: ChatRequest }) => Outcome | Promise<Outcome>) {
  const config = configSchema.parse({
    providers: [{ name: 'openai', type: 'openai', base_url: 'http://127.0.0.1:9/v1' }],
    models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
    pricing: [{ model: 'gpt-4o-mini', input_per_mtok: 1000, output_per_mtok: 2000 }],
    ...raw,
  })
  const store = createStore(config.store)
  const keys = createKeyStore(config, store)
  const limiter = createLimiter(config, store, createPricing(config.pricing ?? []))
  const usage = createUsage(config, store)
  const logs: RequestLog[] = []
  const app = new Hono<AppEnv>()
  app.use(async (c, next) => {
    const log = newRequestLog('r', c.req.method, c.req.path)
    c.set('log', log)
    c.set('responseHeaders', {})
    logs.push(log)
    await next()
    for (const [k, v] of Object.entries(c.var.responseHeaders)) c.res.headers.set(k, v)
  })
  app.post(
    '/chat',
    auth(keys),
    // Stands in for the api step: decodes on the way in, encodes the final outcome on the way out.
    async (c, next) => {
      c.set('request', (await c.req.json()) as ChatRequest)
      c.set('model', { name: 'gpt-4o-mini' } as ResolvedModel)
      await next()
      if (c.error) return
      const outcome = c.var.outcome
      if (outcome.kind === 'json') return void (c.res = c.json(outcome.completion))
      let text = ''
      for await (const chunk of outcome.chunks) text += chunk.choices[0]?.delta.content ?? ''
      c.res = c.text(text)
    },
    limits(limiter, keys),
    async (c) => {
      c.set('outcome', await answer({ req: c.var.request }))
      return c.body(null, 204)
    },
  )
  app.onError(errorResponse(pino({ level: 'silent' })))
  const send = (body: ChatRequest = request, key = KEY) =>
    app.request('/chat', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { send, logs, usage, limiter }
}

const json = (content: string, usage?: { prompt_tokens: number; completion_tokens: number }): Outcome => ({
  kind: 'json',
  provider: 'openai',
  targetModel: 'gpt-4o-mini',
  attempts: 1,
  completion: {
    id: 'c',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  },
})
const chunk = (content: string): ChatCompletionChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })

const keyed = (limitsCfg: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  auth: { mode: 'keys', keys: [{ key: KEY, name: 'mw', team: 'team-x', models: ['gpt-*'], ...limitsCfg }] },
  ...extra,
})
const usageOf = async (u: ReturnType<typeof setup>['usage']) =>
  (await u.query({ from: Date.now() - 3_600_000, to: Date.now() + 1, groupBy: ['key'] })).total

describe('limits middleware', () => {
  it('records real usage and its cost in the request log and the usage buckets', async () => {
    const { send, logs, usage } = setup(keyed({}), () => json('Paris.', { prompt_tokens: 12, completion_tokens: 3 }))
    expect((await send()).status).toBe(200)
    expect(logs[0]).toMatchObject({ keyId: 'static:mw', keyName: 'mw', team: 'team-x', inputTokens: 12, outputTokens: 3, costUsd: (12 * 1000 + 3 * 2000) / 1e6 })
    expect(await usageOf(usage)).toMatchObject({ requests: 1, input_tokens: 12, output_tokens: 3 })
  })

  it('estimates an answer the provider reported no usage for', async () => {
    const { send, logs } = setup(keyed({ limits: { tpm: 10_000 } }), () => json('Paris is the capital of France.'))
    await send()
    expect(logs[0]).toMatchObject({ inputTokens: estimateInputTokens(request), outputTokens: countTextTokens('Paris is the capital of France.') })
  })

  it('counts a stream when it ends, from its text when it carries no usage', async () => {
    const { send, logs } = setup(keyed({ limits: { tpm: 10_000 } }), () => ({
      kind: 'stream',
      provider: 'openai',
      targetModel: 'gpt-4o-mini',
      attempts: 1,
      chunks: (async function* () {
        yield chunk('Paris ')
        yield chunk('it is.')
      })(),
    }))
    expect(await (await send()).text()).toBe('Paris it is.')
    expect(logs[0]!.outputTokens).toBe(countTextTokens('Paris it is.'))
  })

  it('charges nothing for a cache hit', async () => {
    const { send, logs } = setup(keyed({ budget: { usd: 1, period: 'day' } }), () => ({ ...json('cached', { prompt_tokens: 10, completion_tokens: 10 }), cache: 'hit' }))
    await send()
    expect(logs[0]).toMatchObject({ inputTokens: 0, outputTokens: 0, costUsd: 0 })
  })

  it('sets x-ratelimit headers, then refuses with 429, Retry-After and a logged rejection', async () => {
    const { send, logs } = setup(keyed({ limits: { rpm: 2, tpm: 100_000 } }), () => json('ok', { prompt_tokens: 1, completion_tokens: 1 }))
    const first = await send()
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2')
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1')
    // The window is the last 60 whole seconds: the request leaves it 59–60 s from now.
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^(59(\.\d+)?s|1m0s)$/)
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100000')
    await send()
    const refused = await send()
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(await refused.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } })
    expect(logs[2]!.rejected).toBe('rate_limit')
  })

  it('fits the default answer reserve into a small tpm limit, but refuses a max_tokens beyond it', async () => {
    const { send } = setup(keyed({ limits: { tpm: 300 } }), () => json('ok', { prompt_tokens: 1, completion_tokens: 1 }))
    const { max_tokens: _none, ...uncapped } = request
    const fits = await send(uncapped)
    expect(fits.status).toBe(200)
    expect(fits.headers.get('x-ratelimit-remaining-tokens')).toBe('0')
    const tooLarge = await send({ ...request, max_tokens: 301 })
    expect(tooLarge.status).toBe(429)
    expect(((await tooLarge.json()) as { error: { message: string } }).error.message).toContain('Request too large')
    expect(tooLarge.headers.get('retry-after')).toBeNull()
  })

  it('returns the slot and the reservation when the call fails', async () => {
    let fail = true
    const { send } = setup(keyed({ limits: { max_concurrency: 1, tpm: 200 } }), () => {
      if (fail) throw new Error('upstream exploded')
      return json('ok', { prompt_tokens: 1, completion_tokens: 1 })
    })
    expect((await send({ ...request, max_tokens: 150 })).status).toBe(500)
    fail = false
    expect((await send({ ...request, max_tokens: 150 })).status).toBe(200)
  })

  it('refuses a model outside the key globs with 403, before counting anything', async () => {
    const { send, logs } = setup(keyed({ models: ['claude-*'], limits: { rpm: 1 } }), () => json('ok'))
    const res = await send()
    expect(res.status).toBe(403)
    expect(logs[0]!.rejected).toBe('auth')
  })

  it('limits a model within a key, a team, and a model globally', async () => {
    const perKeyModel = setup(keyed({ limits: { models: { 'gpt-4o*': { rpm: 1 } } } }), () => json('ok'))
    expect((await perKeyModel.send()).status).toBe(200)
    const refused = await perKeyModel.send()
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("model 'gpt-4o-mini' for key 'mw'")

    const team = setup(keyed({}, { limits: { teams: { 'team-x': { rpm: 1 } } } }), () => json('ok'))
    await team.send()
    expect((await team.send()).status).toBe(429)

    const global = setup({ limits: { models: { 'gpt-4o-mini': { rpm: 1 } } } }, () => json('ok'))
    expect((await global.send(request, 'anything')).status).toBe(200)
    expect((await global.send(request, 'anything')).status).toBe(429)
  })

  it('refuses with budget_exceeded once a key has spent its budget', async () => {
    // Each answer costs (10 × $1000 + 10 × $2000) / 1e6 = $0.03.
    const { send } = setup(keyed({ budget: { usd: 0.05, period: 'month' } }), () => json('ok', { prompt_tokens: 10, completion_tokens: 10 }))
    expect((await send({ ...request, max_tokens: 1 })).status).toBe(200)
    expect((await send({ ...request, max_tokens: 1 })).status).toBe(200)
    const refused = await send({ ...request, max_tokens: 1 })
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ error: { code: 'budget_exceeded' } })
  })
})
