import { Hono } from 'hono'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { usageRoutes } from '../../src/admin/usage-routes.js'
import { errorResponse } from '../../src/api/error-response.js'
import type { AppEnv } from '../../src/app-env.js'
import { limitsConfigSchema } from '../../src/limits/config.js'
import { createUsage } from '../../src/limits/usage.js'
import { DAY_MS, HOUR_MS, MemoryUsageBuckets } from '../../src/limits/usage-buckets.js'
import { createStore } from '../../src/store/store.js'

// GET /usage over buckets written at known times (memory mode; the Redis buckets are read the same way and
// are covered by the budget and outage tests).

const limits = limitsConfigSchema.parse({})
const store = createStore({ redis_url: '', command_timeout_ms: 50, key_prefix: 'u:' })
const buckets = store.local('limits:usage', () => new MemoryUsageBuckets(limits.usage_retention))
const day = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS
const row = (keyId: string, team: string, model: string, i: number, o: number, costNano: number) => ({
  keyId,
  keyName: `${keyId}-name`,
  team,
  model,
  inputTokens: i,
  outputTokens: o,
  cachedInputTokens: 0,
  costNano,
})
buckets.add(row('k1', 'a', 'gpt-4o', 10, 5, 1_000_000), day + 1 * HOUR_MS)
buckets.add(row('k1', 'a', 'gpt-4o-mini', 20, 5, 2_000_000), day + 1 * HOUR_MS + 60_000)
buckets.add(row('k2', 'b', 'gpt-4o', 30, 5, 3_000_000), day + 5 * HOUR_MS)
buckets.add(row('k1', 'a', 'gpt-4o', 40, 5, 4_000_000), day + DAY_MS + 2 * HOUR_MS)

const app = new Hono<AppEnv>().route('/admin', usageRoutes(createUsage({ limits }, store)))
app.onError(errorResponse(pino({ level: 'silent' })))
type Body = { data: Array<Record<string, unknown>>; total: Record<string, number>; from: string; to: string }
const get = async (query: string) => {
  const res = await app.request(`/admin/usage?${query}`)
  return { status: res.status, body: (await res.json()) as Body }
}
const iso = (ms: number) => new Date(ms).toISOString()

describe('GET /admin/usage', () => {
  it('sums requests, tokens and cost per key and model over a range', async () => {
    const { body } = await get(`from=${iso(day)}&to=${iso(day + 2 * DAY_MS)}&group_by=key,model`)
    expect(body.total).toEqual({ requests: 4, input_tokens: 100, output_tokens: 20, cached_input_tokens: 0, cost_usd: 0.01 })
    expect(body.data).toContainEqual({ key_id: 'k1', key_name: 'k1-name', model: 'gpt-4o', requests: 2, input_tokens: 50, output_tokens: 10, cached_input_tokens: 0, cost_usd: 0.005 })
    expect(body.data).toHaveLength(3)
  })

  it('filters by key, team and model, and cuts the range to the hour', async () => {
    expect((await get(`from=${iso(day)}&to=${iso(day + 2 * DAY_MS)}&team=b&group_by=team`)).body.data).toEqual([
      { team: 'b', requests: 1, input_tokens: 30, output_tokens: 5, cached_input_tokens: 0, cost_usd: 0.003 },
    ])
    expect((await get(`from=${iso(day)}&to=${iso(day + 2 * DAY_MS)}&key_id=k1&model=gpt-4o`)).body.total.requests).toBe(2)
    // From 02:00 on the first day: the 01:00 rows are outside.
    expect((await get(`from=${iso(day + 2 * HOUR_MS)}&to=${iso(day + 2 * DAY_MS)}`)).body.total.requests).toBe(2)
  })

  it('groups by hour or by day', async () => {
    const byDay = (await get(`from=${iso(day)}&to=${iso(day + 2 * DAY_MS)}&group_by=day`)).body.data
    expect(byDay.map((r) => [r.period_start, r.requests])).toEqual([
      [iso(day), 3],
      [iso(day + DAY_MS), 1],
    ])
    const byHour = (await get(`from=${iso(day)}&to=${iso(day + DAY_MS)}&group_by=hour,key`)).body.data
    expect(byHour.map((r) => [r.period_start, r.key_id, r.requests])).toEqual([
      [iso(day + HOUR_MS), 'k1', 2],
      [iso(day + 5 * HOUR_MS), 'k2', 1],
    ])
  })

  it('accepts Unix seconds and refuses bad parameters with 400', async () => {
    expect((await get(`from=${day / 1000}&to=${(day + DAY_MS) / 1000}`)).body.total.requests).toBe(3)
    expect((await get('group_by=colour')).status).toBe(400)
    expect((await get('group_by=hour,day')).status).toBe(400)
    expect((await get(`from=${iso(day + DAY_MS)}&to=${iso(day)}`)).status).toBe(400)
    expect((await get('from=yesterday')).status).toBe(400)
    expect((await get(`from=${iso(day - 100 * DAY_MS)}&group_by=hour`)).status).toBe(400)
  })
})
