import { keyspace } from '../store/keyspace.js'
import type { Store } from '../store/store.js'
import { bucketsFor, DAY_MS, HOUR_MS, METRICS, MemoryUsageBuckets, parseField, type MetricCode } from './usage-buckets.js'
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

const emptyTotals = (): UsageTotals & { cost_nano: number } => ({
  requests: 0,
  input_tokens: 0,
  output_tokens: 0,
  cached_input_tokens: 0,
  cost_usd: 0,
  cost_nano: 0,
})

function add(t: UsageTotals & { cost_nano: number }, metric: MetricCode, value: number): void {
  if (metric === 'u') t.cost_nano += value
  else t[METRICS[metric] as Exclude<keyof UsageTotals, 'cost_usd'>] += value
}

const finish = ({ cost_nano, ...t }: UsageTotals & { cost_nano: number }): UsageTotals => ({ ...t, cost_usd: cost_nano / 1e9 })

/** Reads the hourly and daily usage buckets the limiter's settles write (Redis hashes, or memory). */
export function createUsage(config: { limits: LimitsConfig }, store: Store): UsageReader {
  const ks = keyspace(store.prefix)
  const memory = store.redis ? undefined : store.local('limits:usage', () => new MemoryUsageBuckets(config.limits.usage_retention))

  async function readBuckets(buckets: Array<{ kind: 'h' | 'd'; index: number }>): Promise<Array<Record<string, string> | Map<string, number> | undefined>> {
    if (memory) return buckets.map((b) => memory.read(b.kind, b.index))
    const pipeline = store.redis!.pipeline()
    for (const b of buckets) pipeline.hgetall(ks.usage(b.kind, b.index))
    const results = (await store.timed(pipeline.exec())) ?? []
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
      const contents = await readBuckets(buckets)
      const rows = new Map<string, { row: UsageRowOut; totals: UsageTotals & { cost_nano: number } }>()
      const total = emptyTotals()
      buckets.forEach((b, i) => {
        const content = contents[i]
        if (!content) return
        const start = b.kind === 'h' ? b.index * HOUR_MS : b.index * DAY_MS
        const entries = content instanceof Map ? content.entries() : Object.entries(content)
        for (const [field, raw] of entries) {
          const parsed = parseField(field)
          if (!parsed) continue
          const [keyId, keyName, team, model] = parsed.row
          if ((q.keyId && keyId !== q.keyId) || (q.team && team !== q.team) || (q.model && model !== q.model)) continue
          const value = Number(raw)
          add(total, parsed.metric, value)
          const row: UsageRowOut = { ...emptyTotals() }
          if (q.groupBy.includes('key')) Object.assign(row, { key_id: keyId, key_name: keyName })
          if (q.groupBy.includes('team')) row.team = team || null
          if (q.groupBy.includes('model')) row.model = model
          if (byTime) row.period_start = new Date(q.groupBy.includes('hour') ? start : Math.floor(start / DAY_MS) * DAY_MS).toISOString()
          const id = JSON.stringify([row.key_id, row.team, row.model, row.period_start])
          let entry = rows.get(id)
          if (!entry) rows.set(id, (entry = { row, totals: emptyTotals() }))
          // A renamed key keeps its id; the newest bucket's name wins.
          if (row.key_name) entry.row.key_name = row.key_name
          add(entry.totals, parsed.metric, value)
        }
      })
      const data = [...rows.values()].map(({ row, totals }) => {
        const { cost_nano: _nano, ...zeroes } = emptyTotals()
        return { ...row, ...zeroes, ...finish(totals) }
      })
      data.sort((a, b) => (a.period_start ?? '').localeCompare(b.period_start ?? '') || b.cost_usd - a.cost_usd || b.requests - a.requests)
      return { data, total: finish(total) }
    },
  }
}
