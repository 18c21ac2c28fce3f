import { afterAll, beforeAll, expect, it } from 'vitest'
import { createKeyStore } from '../../src/keys/key-store.js'
import { limitsConfigSchema } from '../../src/limits/config.js'
import { chatDemand } from '../../src/limits/estimate-tokens.js'
import { createLimiter } from '../../src/limits/limiter.js'
import { createUsage } from '../../src/limits/usage.js'
import { createPricing } from '../../src/pricing/price-table.js'
import { createStore, type Store } from '../../src/store/store.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

// Settles on Redis wait a few ms for the next admission and travel in its write: a slot a settle frees must
// still be free for the admission right after it, and closing the limiter must not lose a waiting settle.

let redis: RedisServer
let store: Store
beforeAll(async () => {
  redis = await startRedisServer()
  store = createStore({ redis_url: redis.url, command_timeout_ms: 1000, key_prefix: 'sb:' })
  expect(await store.ready(5000)).toBe(true)
})
afterAll(async () => {
  await store.close()
  await redis.stop()
})

const config = {
  limits: limitsConfigSchema.parse({}),
  models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
  providers: [{ name: 'openai', type: 'openai' }],
}
const pricing = createPricing([{ model: 'gpt-4o-mini', input_per_mtok: 1000, output_per_mtok: 1000 }])
const request = chatDemand({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })

it('frees a concurrency slot for the admission that follows its settle at once', async () => {
  const keys = createKeyStore({ auth: { mode: 'keys', keys: [] } }, store)
  const limiter = createLimiter(config, store, pricing)
  const { key } = await keys.create({ name: 'one-at-a-time', models: ['*'], limits: { max_concurrency: 1 }, metadata: {} })
  const principal = await keys.authenticate(key)
  for (let i = 0; i < 20; i++) {
    const admission = await limiter.admit(principal, request, 'gpt-4o-mini')
    admission.settle({ usage: { inputTokens: 1, outputTokens: 1 }, targetModel: 'gpt-4o-mini', provider: 'openai' })
  }
  await limiter.close(1000)
  keys.close()
})

it('sends the settles still waiting when the limiter closes', async () => {
  const own = createStore({ redis_url: redis.url, command_timeout_ms: 1000, key_prefix: 'sb2:' })
  expect(await own.ready(5000)).toBe(true)
  const keys = createKeyStore({ auth: { mode: 'keys', keys: [] } }, own)
  const limiter = createLimiter(config, own, pricing)
  const usage = createUsage(config, own)
  const { key } = await keys.create({ name: 'closing', models: ['*'], limits: { rpm: 100 }, metadata: {} })
  const principal = await keys.authenticate(key)
  const from = Date.now() - 1000
  for (let i = 0; i < 3; i++) (await limiter.admit(principal, request, 'gpt-4o-mini')).settle({ usage: { inputTokens: 10, outputTokens: 5 }, targetModel: 'gpt-4o-mini', provider: 'openai' })
  await limiter.close(1000)
  const { total } = await usage.query({ from, to: Date.now() + 1, groupBy: ['key'] })
  expect(total.requests).toBe(3)
  expect(total.cost_usd).toBeCloseTo(0.045, 9)
  keys.close()
  await own.close()
})
