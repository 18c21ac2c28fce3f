import { Hono } from 'hono'
import type { AppEnv } from '../app-env.js'
import { badRequest, GatewayError } from '../errors.js'
import type { UsageGroup, UsageReader } from '../limits/usage.js'

const GROUPS: readonly UsageGroup[] = ['key', 'team', 'model', 'hour', 'day']
const DEFAULT_RANGE_MS = 24 * 3_600_000

/** ISO 8601 or Unix seconds. */
function parseTime(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw)
  if (!Number.isFinite(ms)) throw badRequest(`Invalid value for '${name}': use ISO 8601 or Unix seconds.`, name)
  return ms
}

/**
 * GET /usage?from=&to=&key_id=&team=&model=&group_by=key,model — requests, tokens and cost (USD) from the
 * hourly and daily usage buckets. `from` defaults to 24 h before `to`, `to` to now; both round down to the hour.
 */
export function usageRoutes(usage: UsageReader): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/usage', async (c) => {
    const q = c.req.query()
    const to = parseTime(q.to, 'to', Date.now())
    const from = parseTime(q.from, 'from', to - DEFAULT_RANGE_MS)
    if (from >= to) throw badRequest("'from' must be before 'to'.", 'from')
    const groupBy = (q.group_by ?? 'key,model').split(',').map((g) => g.trim()).filter(Boolean) as UsageGroup[]
    const bad = groupBy.find((g) => !GROUPS.includes(g))
    if (bad) throw badRequest(`Invalid value for 'group_by': '${bad.slice(0, 50)}' is not one of ${GROUPS.join(', ')}.`, 'group_by')
    if (groupBy.includes('hour') && groupBy.includes('day')) throw badRequest("Group by 'hour' or 'day', not both.", 'group_by')
    const result = await usage.query({ from, to, keyId: q.key_id, team: q.team, model: q.model, groupBy }).catch((cause: unknown) => {
      if (cause instanceof GatewayError) throw cause
      throw new GatewayError(503, 'api_error', 'store_unavailable', 'Usage cannot be read right now; try again shortly.', { cause, headers: { 'retry-after': '1' } })
    })
    return c.json({
      object: 'usage',
      from: new Date(Math.floor(from / 3_600_000) * 3_600_000).toISOString(),
      to: new Date(Math.ceil(to / 3_600_000) * 3_600_000).toISOString(),
      group_by: groupBy,
      data: result.data,
      total: result.total,
    })
  })
}
