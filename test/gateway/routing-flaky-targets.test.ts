import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { seededRandom } from '../routing/helpers/seeded-random.js'
import { startUpstream, type FakeUpstream, type SharedScript } from '../routing/helpers/fake-upstreams.js'

// The gateway's promise: a flaky provider does not become the caller's outage. Two of three deployments
// fail about half of their requests, in every way the fakes can fail before the first byte; the third is
// healthy. Every request must succeed, JSON and streamed alike.

const random = seededRandom(2024)
const faults: SharedScript[] = [{ status: 500 }, { status: 503 }, { status: 429 }, { status: 529 }, { reset: true }, { cutAfterChunks: 0 }]
const flakyScripts = (n: number): SharedScript[] =>
  Array.from({ length: n }, () => (random() < 0.5 ? faults[Math.floor(random() * faults.length)]! : {}))

let flakyOpenAI: FakeUpstream
let flakyAnthropic: FakeUpstream
let healthy: FakeUpstream
let gw: TestGateway
let client: OpenAI

beforeAll(async () => {
  flakyOpenAI = await startUpstream('openai', 'flaky-openai')
  flakyAnthropic = await startUpstream('anthropic', 'flaky-anthropic')
  healthy = await startUpstream('openai', 'healthy')
  gw = await startTestGateway({
    providers: [flakyOpenAI.provider, flakyAnthropic.provider, healthy.provider],
    models: ['priority', 'weighted', 'least-busy'].map((strategy) => ({
      name: strategy,
      strategy,
      retries: { attempts: 1, backoff_ms: 1, max_backoff_ms: 5, max_retry_after_ms: 0 },
      targets: [
        { provider: 'flaky-openai', model: flakyOpenAI.model },
        { provider: 'flaky-anthropic', model: flakyAnthropic.model },
        { provider: 'healthy', model: healthy.model },
      ],
    })),
  })
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  await gw.close()
  await flakyOpenAI.fake.close()
  await flakyAnthropic.fake.close()
  await healthy.fake.close()
})

describe('one healthy target among flaky ones', () => {
  for (const strategy of ['priority', 'weighted', 'least-busy']) {
    it(`${strategy}: every request succeeds, JSON and streamed`, async () => {
      flakyOpenAI.next(...flakyScripts(200))
      flakyAnthropic.next(...flakyScripts(200))
      const failed: unknown[] = []
      let answered = 0
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 6 }, async (_, i) => {
            const messages = [{ role: 'user' as const, content: `request ${batch}-${i}` }]
            try {
              if (i % 2 === 0) {
                const res = await client.chat.completions.create({ model: strategy, messages })
                if (res.choices[0]!.message.content && res.choices[0]!.finish_reason === 'stop') answered++
              } else {
                let text = ''
                let finish: string | null = null
                for await (const c of await client.chat.completions.create({ model: strategy, messages, stream: true })) {
                  text += c.choices[0]?.delta.content ?? ''
                  finish = c.choices[0]?.finish_reason ?? finish
                }
                if (text && finish === 'stop') answered++
              }
            } catch (err) {
              failed.push(err)
            }
          }),
        )
      }
      expect(failed).toEqual([])
      expect(answered).toBe(60)
      const flakyCalls = flakyOpenAI.fake.requests.length + flakyAnthropic.fake.requests.length
      expect(flakyCalls).toBeGreaterThan(0)
      flakyOpenAI.fake.reset()
      flakyAnthropic.fake.reset()
      healthy.fake.reset()
    })
  }
})
