import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

let up: FakeOpenAI
const gateways: TestGateway[] = []
beforeAll(async () => {
  up = await startFakeOpenAI({ id: 'primary' })
  up.setDefault({ content: 'Paris.', usage: { prompt_tokens: 21, completion_tokens: 3 } })
})
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()))
  await up.close()
})

/** Asks the same question twice (a miss, then an exact hit) and returns the hit's request log line. */
async function hitLog(cache: Record<string, unknown>): Promise<Record<string, unknown>> {
  // Exact hits only: no embedding model needed.
  const gw = await startTestGateway(openaiConfig(up.baseURL, { cache: { enabled: true, semantic: { enabled: false }, ...cache } }))
  gateways.push(gw)
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
  const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the capital of France?' }] }).withResponse()
  await ask()
  for (let i = 0; i < 100; i++) {
    const { response } = await ask()
    if (response.headers.get('x-switchyard-cache') === 'hit') break
    await new Promise((r) => setTimeout(r, 20))
  }
  const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.cache === 'hit')
  return lines.at(-1)!
}

describe('cache hits and token accounting', () => {
  it('a hit spends no tokens against limits and budgets by default', async () => {
    const line = await hitLog({})
    expect(line.provider).toBe('cache')
    expect(line.costUsd ?? 0).toBe(0)
    expect(line.inputTokens ?? 0).toBe(0)
  })

  it('cache.count_hits counts a hit as if the upstream had served it', async () => {
    const line = await hitLog({ count_hits: true })
    expect(line.inputTokens).toBe(21)
    expect(line.outputTokens).toBe(3)
  })
})
