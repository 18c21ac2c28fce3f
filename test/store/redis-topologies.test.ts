import { afterAll, describe, expect, it } from 'vitest'
import { createKeyStore } from '../../src/keys/key-store.js'
import { limitsConfigSchema } from '../../src/limits/config.js'
import { chatDemand } from '../../src/limits/estimate-tokens.js'
import { createLimiter } from '../../src/limits/limiter.js'
import { createUsage } from '../../src/limits/usage.js'
import { createPricing } from '../../src/pricing/price-table.js'
import { createStore, type Store } from '../../src/store/store.js'
import { startCluster, startSentinel, type Topology } from './helpers/redis-topology.js'

// The same keys → limits → usage round trip over a Sentinel URL and a Cluster URL. On a Cluster it shows that
// each script's keys share one slot (Redis would answer CROSSSLOT otherwise).

const topologies: Topology[] = []
const stores: Store[] = []
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()))
  await Promise.all(topologies.map((t) => t.stop()))
})

const config = {
  limits: limitsConfigSchema.parse({ teams: { ops: { rpm: 100, tpm: 100_000, budget: { usd: 10, period: 'day' } } }, models: { 'gpt-4o-mini': { rpm: 100, tpm: 100_000 } } }),
  models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
  providers: [{ name: 'openai', type: 'openai' }],
}
const pricing = createPricing([{ model: 'gpt-4o-mini', input_per_mtok: 1000, output_per_mtok: 1000 }])
const request = chatDemand({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })

async function roundTrip(url: string) {
  const store = createStore({ redis_url: url, command_timeout_ms: 1000, key_prefix: 'topo:' })
  stores.push(store)
  expect(await store.ready(10_000)).toBe(true)
  const keys = createKeyStore({ auth: { mode: 'keys', keys: [] } }, store)
  const limiter = createLimiter(config, store, pricing)
  const usage = createUsage(config, store)

  const { key, view } = await keys.create({ name: 'topo', team: 'ops', models: ['gpt-*'], limits: { rpm: 2, tpm: 1000, max_concurrency: 5, models: { 'gpt-4o*': { rpm: 2 } } }, budget: { usd: 5, period: 'month' }, metadata: {} })
  const principal = await keys.authenticate(key)
  for (let i = 0; i < 2; i++) {
    const admission = await limiter.admit(principal, request, 'gpt-4o-mini')
    expect(admission.headers['x-ratelimit-limit-requests']).toBe('2')
    admission.settle({ usage: { inputTokens: 10, outputTokens: 5 }, targetModel: 'gpt-4o-mini', provider: 'openai' })
  }
  await expect(limiter.admit(principal, request, 'gpt-4o-mini')).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' })

  const deadline = Date.now() + 5000
  let total = { requests: 0, cost_usd: 0 }
  while (total.requests < 2 && Date.now() < deadline) {
    total = (await usage.query({ from: Date.now() - 3_600_000, to: Date.now() + 1, groupBy: ['key'] })).total
    await new Promise((r) => setTimeout(r, 50))
  }
  expect(total.requests).toBe(2)
  expect(total.cost_usd).toBeCloseTo(0.03, 9)

  await keys.revoke(view.id)
  await expect(limiter.admit(principal, request, 'gpt-4o-mini')).rejects.toMatchObject({ status: 401 })
  await expect(keys.authenticate(key)).rejects.toMatchObject({ status: 401 })
  await limiter.close(1000)
  keys.close()
}

describe('Redis topologies', () => {
  it('works through a Sentinel URL', async () => {
    const t = await startSentinel()
    topologies.push(t)
    await roundTrip(t.url)
  })

  it('works through a Cluster URL, every script within one slot', async () => {
    const t = await startCluster()
    topologies.push(t)
    await roundTrip(t.url)
  })
})
