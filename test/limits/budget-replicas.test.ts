import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { eventually, startReplica, type Replica } from './helpers/replica.js'

// Budgets in USD, computed from the price table, spent through two replicas that share one Redis; the usage
// API then reports what was spent.

const ADMIN = 'sk-admin-budget-test-0123456789'
let redis: RedisServer
let up: FakeOpenAI
let replicas: Replica[]

beforeAll(async () => {
  redis = await startRedisServer()
  up = await startFakeOpenAI({ id: 'budget', defaults: { usage: { prompt_tokens: 10, completion_tokens: 5 } } })
  const config = {
    // A generous command timeout: these tests are about exact shared counts, not the fallback (see store-outage).
    store: { redis_url: redis.url, command_timeout_ms: 1000 },
    auth: {
      mode: 'keys',
      admin_key: ADMIN,
      keys: [
        { key: 'sk-test-budget-key-0123456789', name: 'budget-app', team: 'solo', budget: { usd: 0.1, period: 'day' } },
        { key: 'sk-test-budget-t1-0123456789', name: 'team-app-1', team: 'shared' },
        { key: 'sk-test-budget-t2-0123456789', name: 'team-app-2', team: 'shared' },
      ],
    },
    limits: { teams: { shared: { budget: { usd: 0.06, period: 'month' } } } },
    // $1 per thousand input tokens and $2 per thousand output tokens: each answer (10 in, 5 out) costs $0.02.
    pricing: [{ model: 'gpt-4o-mini', input_per_mtok: 1000, output_per_mtok: 2000 }],
    providers: [{ name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream' }],
    models: [{ name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
  }
  replicas = await Promise.all([startReplica(config), startReplica(config)])
})
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()))
  await up.close()
  await redis.stop()
})

type Usage = { data: Array<{ key_id?: string; key_name?: string; team?: string | null; model?: string; requests: number; input_tokens: number; output_tokens: number; cost_usd: number }>; total: { requests: number; cost_usd: number } }
const usage = async (query: string): Promise<Usage> =>
  (await fetch(`${replicas[0]!.url}/admin/usage?${query}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Usage>

/** Sends requests alternately through both replicas, each after the previous one's spend has landed. */
async function spend(keys: string[], n: number): Promise<Array<{ ok: boolean; error?: InstanceType<typeof OpenAI.APIError> }>> {
  const results = []
  for (let i = 0; i < n; i++) {
    const client = new OpenAI({ baseURL: replicas[i % 2]!.baseURL, apiKey: keys[i % keys.length]!, maxRetries: 0 })
    const before = (await usage('group_by=key')).total.requests
    try {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })
      results.push({ ok: true })
      await eventually(async () => (await usage('group_by=key')).total.requests === before + 1)
    } catch (err) {
      results.push({ ok: false, error: err as InstanceType<typeof OpenAI.APIError> })
    }
  }
  return results
}

describe('budgets across two replicas', () => {
  it('refuse a key with budget_exceeded once its spend reaches the budget, on either replica', async () => {
    const results = await spend(['sk-test-budget-key-0123456789'], 7)
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false, false])
    const refused = results[5]!.error!
    expect(refused.status).toBe(429)
    expect(refused.code).toBe('budget_exceeded')
    expect(refused.type).toBe('rate_limit_error')
    // A daily budget: try again when the day is over.
    const retryAfter = Number(refused.headers?.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(86_400)
  })

  it('refuse every key of a team once the team budget is spent', async () => {
    const results = await spend(['sk-test-budget-t1-0123456789', 'sk-test-budget-t2-0123456789'], 5)
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false])
    expect(results[3]!.error!.code).toBe('budget_exceeded')
    expect(results[3]!.error!.message).toContain("team 'shared'")
  })

  it('report requests, tokens and cost by key, team and model through the usage API', async () => {
    const byKey = await usage('group_by=key,model')
    const app = byKey.data.find((r) => r.key_id === 'static:budget-app')!
    expect(app).toMatchObject({ key_name: 'budget-app', model: 'gpt-4o-mini', requests: 5, input_tokens: 50, output_tokens: 25 })
    expect(app.cost_usd).toBeCloseTo(0.1, 9)
    const byTeam = await usage('group_by=team&team=shared')
    expect(byTeam.data).toHaveLength(1)
    expect(byTeam.data[0]).toMatchObject({ team: 'shared', requests: 3 })
    expect(byTeam.data[0]!.cost_usd).toBeCloseTo(0.06, 9)
    const lastWeek = await usage(`group_by=key&from=${Math.floor(Date.now() / 1000) - 7 * 86_400}&to=${Math.floor(Date.now() / 1000) - 6 * 86_400}`)
    expect(lastWeek.total.requests).toBe(0)
  })
})
