import { badRequest } from '../errors.js'
import { keyspace } from '../store/keyspace.js'
import type { Store } from '../store/store.js'
import { bucketsFor, DAY_MS, HOUR_MS, MemoryUsageBuckets, parseField, type MetricCode } from './usage-buckets.js'
import type { LimitsConfig } from './config.js'

export type UsageGroup = 'key' | 'team' | 'model' | 'hour' | 'day'

export type UsageQuery = {
  /** ms since epoch; rounded down to the hour. */
  from: number
  to: number
  keyId?: string
  team?: string
  model?: string
  groupBy: readonly UsageGroup[]
}

export type UsageTotals = {
  requests: number
  input_tokens: number
  output_tokens: number
  cached_input_tokens: number
  cost_usd: number
}

export type UsageRowOut = {
  key_id?: string
  key_name?: string
  team?: string | null
  model?: string
  /** Start of the hour or day (ISO 8601) when grouped by time. */
  period_start?: string
} & UsageTotals

export interface UsageReader {
  query(q: UsageQuery): Promise<{ data: UsageRowOut[]; total: UsageTotals }>
}

/** Totals while summing: cost stays in integer nano-USD until the end. */
type Sums = { requests: number; input_tokens: number; output_tokens: number; cached_input_tokens: number; cost_nano: number }

const FIELD_OF: Record<MetricCode, keyof Sums> = { r: 'requests', i: 'input_tokens', o: 'output_tokens', c: 'cached_input_tokens', u: 'cost_nano' }
const zero = (): Sums => ({ requests: 0, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, cost_nano: 0 })
const totals = ({ cost_nano, ...rest }: Sums): UsageTotals => ({ ...rest, cost_usd: cost_nano / 1e9 })

/** Reads the hourly and daily usage buckets the limiter's settles write (Redis hashes, or memory). */
export function createUsage(config: { limits: LimitsConfig }, store: Store): UsageReader {
  const ks = keyspace(store.prefix)
  const memory = store.redis ? undefined : store.local('limits:usage', () => new MemoryUsageBuckets(config.limits.usage_retention))

  async function readBuckets(buckets: Array<{ kind: 'h' | 'd'; index: number }>): Promise<Array<Record<string, string> | Map<string, number> | undefined>> {
    if (memory) return buckets.map((b) => memory.read(b.kind, b.index))
    const pipeline = store.redis!.pipeline()
    for (const b of buckets) pipeline.hgetall(ks.usage(b.kind, b.index))
    // An admin read, not on a request's path: the client's backstop timeout is enough.
    const results = (await pipeline.exec()) ?? []
    return results.map(([err, value]) => {
      if (err) throw err
      return value as Record<string, string>
    })
  }

  return {
    async query(q) {
      const byTime = q.groupBy.includes('hour') || q.groupBy.includes('day')
      // Grouping by hour needs hourly buckets throughout; everything else may read whole days at once.
      const buckets = q.groupBy.includes('hour')
        ? Array.from({ length: Math.max(0, Math.ceil(q.to / HOUR_MS) - Math.floor(q.from / HOUR_MS)) }, (_, i) => ({ kind: 'h' as const, index: Math.floor(q.from / HOUR_MS) + i }))
        : bucketsFor(q.from, q.to)
      // Hourly buckets older than their retention are gone anyway; this also bounds the reads of one query.
      const maxBuckets = q.groupBy.includes('hour') ? config.limits.usage_retention.hourly_days * 24 : config.limits.usage_retention.daily_days + 48
      if (buckets.length > maxBuckets)
        throw badRequest(`That range needs ${buckets.length} usage buckets; at most ${maxBuckets} (hourly data is kept ${config.limits.usage_retention.hourly_days} days, daily ${config.limits.usage_retention.daily_days}).`, 'from')
      const contents = await readBuckets(buckets)
      const groups = new Map<string, { row: Omit<UsageRowOut, keyof UsageTotals>; sums: Sums }>()
      const all = zero()
      buckets.forEach((b, i) => {
        const content = contents[i]
        if (!content) return
        const start = b.kind === 'h' ? b.index * HOUR_MS : b.index * DAY_MS
        const period = q.groupBy.includes('hour') ? start : Math.floor(start / DAY_MS) * DAY_MS
        for (const [field, raw] of content instanceof Map ? content : Object.entries(content)) {
          const parsed = parseField(field)
          if (!parsed) continue
          const [keyId, keyName, team, model] = parsed.row
          if ((q.keyId && keyId !== q.keyId) || (q.team && team !== q.team) || (q.model && model !== q.model)) continue
          const row: Omit<UsageRowOut, keyof UsageTotals> = {
            ...(q.groupBy.includes('key') ? { key_id: keyId, key_name: keyName } : {}),
            ...(q.groupBy.includes('team') ? { team: team || null } : {}),
            ...(q.groupBy.includes('model') ? { model } : {}),
            ...(byTime ? { period_start: new Date(period).toISOString() } : {}),
          }
          const id = JSON.stringify([row.key_id, row.team, row.model, row.period_start])
          let group = groups.get(id)
          if (!group) groups.set(id, (group = { row, sums: zero() }))
          // A renamed key keeps its id; the name from the latest bucket wins.
          if (row.key_name) group.row.key_name = row.key_name
          const value = Number(raw)
          group.sums[FIELD_OF[parsed.metric]] += value
          all[FIELD_OF[parsed.metric]] += value
        }
      })
      const data: UsageRowOut[] = [...groups.values()].map(({ row, sums }) => ({ ...row, ...totals(sums) }))
      data.sort((a, b) => (a.period_start ?? '').localeCompare(b.period_start ?? '') || b.cost_usd - a.cost_usd || b.requests - a.requests)
      return { data, total: totals(all) }
    },
  }
}
