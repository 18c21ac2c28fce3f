import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'

// Each strategy through the whole gateway, against two fake OpenAI deployments of the same model
// ("two keys, two regions"). Assertions are on where requests went, never on how long they took.

let a: FakeOpenAI
let b: FakeOpenAI
let gw: TestGateway
let client: OpenAI

const targets = (models: [string, string] = ['gpt-4o-mini', 'gpt-4o-mini'], weights: [number, number] = [1, 1]) => [
  { provider: 'a', model: models[0], weight: weights[0] },
  { provider: 'b', model: models[1], weight: weights[1] },
]

beforeAll(async () => {
  a = await startFakeOpenAI({ id: 'a' })
  b = await startFakeOpenAI({ id: 'b' })
  gw = await startTestGateway({
    providers: [
      { name: 'a', type: 'openai', base_url: a.baseURL, api_key: 'sk-a' },
      { name: 'b', type: 'openai', base_url: b.baseURL, api_key: 'sk-b' },
    ],
    // A small context window for the cheap model, so the lowest-cost test can overflow it.
    pricing: [{ model: 'tiny-window-mini', input_per_mtok: 0.15, output_per_mtok: 0.6, context_window: 200 }],
    models: [
      { name: 'fastest', strategy: 'lowest-latency', targets: targets() },
      { name: 'spread', strategy: 'weighted', targets: targets(undefined, [1, 3]) },
      { name: 'cheapest', strategy: 'lowest-cost', targets: targets(['gpt-4o', 'gpt-4o-mini']) },
      { name: 'cheapest-small', strategy: 'lowest-cost', targets: targets(['gpt-4o', 'tiny-window-mini']) },
      { name: 'idlest', strategy: 'least-busy', targets: targets() },
    ],
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await a.close()
  await b.close()
})

const providerOf = async (model: string, content = 'hi', stream = false): Promise<string> => {
  if (!stream) {
    const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse()
    return response.headers.get('x-switchyard-provider')!
  }
  const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true }).withResponse()
  for await (const _ of data);
  return response.headers.get('x-switchyard-provider')!
}

describe('routing strategies through the gateway', () => {
  it('lowest-latency moves JSON traffic to the faster deployment', async () => {
    a.setDefault({ latencyMs: 300 })
    b.setDefault({})
    const picks: string[] = []
    for (let i = 0; i < 30; i++) picks.push(await providerOf('fastest'))
    expect(picks.filter((p) => p === 'b').length).toBeGreaterThanOrEqual(24)
  })

  it('lowest-latency ranks streams by time to first token', async () => {
    // Now a answers quickly but starts its streams late; b starts streams at once.
    a.setDefault({ firstTokenDelayMs: 300 })
    b.setDefault({ latencyMs: 0 })
    const picks: string[] = []
    for (let i = 0; i < 20; i++) picks.push(await providerOf('fastest', 'hi', true))
    expect(picks.filter((p) => p === 'b').length).toBeGreaterThanOrEqual(15)
    a.setDefault({})
  })

  it('weighted spreads requests by weight', async () => {
    const picks: string[] = []
    for (let batch = 0; batch < 20; batch++) picks.push(...(await Promise.all(Array.from({ length: 8 }, () => providerOf('spread')))))
    const share = picks.filter((p) => p === 'b').length / picks.length
    // Expected 0.75; the band is ±4 standard deviations of 160 draws.
    expect(share).toBeGreaterThan(0.6)
    expect(share).toBeLessThan(0.9)
  })

  it('lowest-cost picks the cheaper model by the price table', async () => {
    for (let i = 0; i < 3; i++) expect(await providerOf('cheapest')).toBe('b')
    expect(await providerOf('cheapest', 'word '.repeat(400))).toBe('b') // fits gpt-4o-mini's 128k window
  })

  it("lowest-cost passes over a cheaper model whose context window the prompt does not fit", async () => {
    expect(await providerOf('cheapest-small', 'short')).toBe('b')
    expect(await providerOf('cheapest-small', 'word '.repeat(400))).toBe('a')
  })

  it('least-busy sends a request to the deployment without an open stream', async () => {
    a.next({ content: Array.from({ length: 12 }, (_, i) => `w${i}`).join(' '), chunkIntervalMs: 40 })
    const { data: slow, response } = await client.chat.completions
      .create({ model: 'idlest', messages: [{ role: 'user', content: 'long' }], stream: true })
      .withResponse()
    expect(response.headers.get('x-switchyard-provider')).toBe('a')
    const iterator = slow[Symbol.asyncIterator]()
    await iterator.next() // a's stream is open and being read
    expect(await providerOf('idlest')).toBe('b')
    expect(await providerOf('idlest', 'hi', true)).toBe('b')
    while (!(await iterator.next()).done);
    expect(await providerOf('idlest')).toBe('a')
  })
})
