import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from '../../src/app-env.js'
import { accounting } from '../../src/middleware/accounting.js'
import type { Outcome } from '../../src/outcome.js'
import { createPricing } from '../../src/pricing/price-table.js'
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../src/providers/types.js'
import { newRequestLog, type RequestLog } from '../../src/request-log.js'
import { peekCapturedBodies } from '../../src/telemetry/captured-bodies.js'

const pricing = createPricing([{ model: 'gpt-4o-mini', input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075 }])
const providers = new Map([
  ['openai', { type: 'openai' }],
  ['local', { type: 'llama' }],
])
const usage: Usage = { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 } }

const completion: ChatCompletion = {
  id: 'c1',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }],
  usage,
}

function chunk(delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] }
}

async function* streamed(opts: { usage?: boolean; failAfter?: number } = {}): AsyncGenerator<ChatCompletionChunk> {
  const parts = [chunk({ role: 'assistant', content: 'Hi' }), chunk({ content: ' there' }), chunk({}, 'stop')]
  for (const [i, part] of parts.entries()) {
    if (opts.failAfter === i) throw new Error('upstream cut')
    yield part
  }
  if (opts.usage) yield { ...chunk({}), choices: [], usage }
}

/** context (log) → drain (reads the stream like the api codec) → accounting → a route that answers `outcome`. */
function app(outcome: () => Outcome, opts: { captureBodies?: boolean; preset?: Partial<RequestLog> } = {}) {
  let log!: RequestLog
  const a = new Hono<AppEnv>()
  a.use(async (c, next) => {
    log = Object.assign(newRequestLog('r1', 'POST', '/'), opts.preset)
    c.set('log', log)
    c.set('request', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }] })
    await next()
    const out = c.var.outcome
    if (out?.kind === 'stream') {
      try {
        for await (const _ of out.chunks);
      } catch {
        // the stream's failure is what the test looks at, through the log
      }
    }
    return c.text('done')
  })
  a.use(accounting({ pricing, providers, captureBodies: opts.captureBodies ?? false }))
  a.post('/', (c) => {
    c.set('outcome', outcome())
    return c.text('')
  })
  return { request: () => a.request('/', { method: 'POST' }), log: () => log }
}

const expectedCost = (600 * 0.15 + 400 * 0.075 + 200 * 0.6) / 1e6

describe('accounting', () => {
  it('records tokens, the finish reason and the price of a JSON answer', async () => {
    const t = app(() => ({ kind: 'json', completion, provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }))
    await t.request()
    expect(t.log()).toMatchObject({ inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, finishReason: 'stop' })
    expect(t.log().costUsd).toBeCloseTo(expectedCost, 15)
  })

  it("takes a stream's numbers from its usage chunk when the stream ends", async () => {
    const t = app(() => ({ kind: 'stream', chunks: streamed({ usage: true }), provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }))
    await t.request()
    expect(t.log()).toMatchObject({ inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, finishReason: 'stop' })
    expect(t.log().costUsd).toBeCloseTo(expectedCost, 15)
  })

  it('leaves tokens unknown (not 0) when the upstream reported no usage, also for a stream that failed', async () => {
    const t = app(() => ({ kind: 'stream', chunks: streamed({ failAfter: 2 }), provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }))
    await t.request()
    expect(t.log().inputTokens).toBeUndefined()
    expect(t.log().costUsd).toBeUndefined()
  })

  it('keeps what another step already recorded', async () => {
    const t = app(() => ({ kind: 'json', completion, provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }), { preset: { inputTokens: 5, costUsd: 0.5 } })
    await t.request()
    expect(t.log()).toMatchObject({ inputTokens: 5, outputTokens: 200, costUsd: 0.5 })
  })

  it('prices a local provider at 0 and counts nothing for a cache hit', async () => {
    const local = app(() => ({ kind: 'json', completion, provider: 'local', targetModel: 'gpt-4o-mini', attempts: 1 }))
    await local.request()
    expect(local.log().costUsd).toBe(0)
    const hit = app(() => ({ kind: 'json', completion, provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 0, cache: 'hit' }))
    await hit.request()
    expect(hit.log().inputTokens).toBeUndefined()
    expect(hit.log().costUsd).toBeUndefined()
  })

  it('keeps the prompt and the answer only with captureBodies', async () => {
    const off = app(() => ({ kind: 'stream', chunks: streamed({ usage: true }), provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }))
    await off.request()
    expect(peekCapturedBodies(off.log())).toBeUndefined()
    const on = app(() => ({ kind: 'stream', chunks: streamed({ usage: true }), provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }), { captureBodies: true })
    await on.request()
    expect(peekCapturedBodies(on.log())).toEqual({ messages: [{ role: 'user', content: 'Say hi' }], answer: [{ content: 'Hi there' }] })
  })
})
