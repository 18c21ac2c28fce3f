import type { UsageRow } from './backend.js'

// Usage is kept in hourly and daily buckets (Redis hashes, or maps in memory mode). A bucket's field is one
// (key, team, model) row and one metric, so every settled request is a handful of HINCRBYs.

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

export const METRICS = { r: 'requests', i: 'input_tokens', o: 'output_tokens', c: 'cached_input_tokens', u: 'cost_nano' } as const
export type MetricCode = keyof typeof METRICS

export const hourBucket = (at: number) => Math.floor(at / HOUR_MS)
export const dayBucket = (at: number) => Math.floor(at / DAY_MS)

/** The row part of a field name: a JSON array, so no name can break the encoding. */
export const rowField = (u: Pick<UsageRow, 'keyId' | 'keyName' | 'team' | 'model'>) => JSON.stringify([u.keyId, u.keyName, u.team, u.model])

export function metricValues(u: UsageRow): Array<[MetricCode, number]> {
  return [
    ['r', 1],
    ['i', u.inputTokens],
    ['o', u.outputTokens],
    ['c', u.cachedInputTokens],
    ['u', u.costNano],
  ]
}

/** `["key_1","app","team-a","gpt-4o"]|i` → row and metric. */
export function parseField(field: string): { row: [string, string, string, string]; metric: MetricCode } | undefined {
  const bar = field.lastIndexOf('|')
  if (bar < 0) return undefined
  const metric = field.slice(bar + 1) as MetricCode
  if (!(metric in METRICS)) return undefined
  try {
    const row = JSON.parse(field.slice(0, bar)) as [string, string, string, string]
    return Array.isArray(row) && row.length === 4 ? { row, metric } : undefined
  } catch {
    return undefined
  }
}

/**
 * The buckets a time range [from, to) reads: whole days from the daily buckets, the ragged edges from hourly ones.
 * Both ends are rounded down to the hour.
 */
export function bucketsFor(from: number, to: number): Array<{ kind: 'h' | 'd'; index: number }> {
  const out: Array<{ kind: 'h' | 'd'; index: number }> = []
  let t = Math.floor(from / HOUR_MS) * HOUR_MS
  const end = Math.ceil(to / HOUR_MS) * HOUR_MS
  while (t < end) {
    if (t % DAY_MS === 0 && t + DAY_MS <= end) {
      out.push({ kind: 'd', index: t / DAY_MS })
      t += DAY_MS
    } else {
      out.push({ kind: 'h', index: t / HOUR_MS })
      t += HOUR_MS
    }
  }
  return out
}

/** In-memory buckets for one replica without Redis; buckets past retention are dropped as new ones appear. */
export class MemoryUsageBuckets {
  private readonly buckets = new Map<string, Map<string, number>>()
  constructor(private readonly retention: { hourly_days: number; daily_days: number }) {}

  add(u: UsageRow, at: number): void {
    const prefix = `${rowField(u)}|`
    for (const name of [`h:${hourBucket(at)}`, `d:${dayBucket(at)}`]) {
      let b = this.buckets.get(name)
      if (!b) {
        b = new Map()
        this.buckets.set(name, b)
        this.expire(at)
      }
      for (const [m, v] of metricValues(u)) if (v !== 0) b.set(prefix + m, (b.get(prefix + m) ?? 0) + v)
    }
  }

  read(kind: 'h' | 'd', index: number): Map<string, number> | undefined {
    return this.buckets.get(`${kind}:${index}`)
  }

  private expire(now: number): void {
    const minHour = hourBucket(now) - this.retention.hourly_days * 24
    const minDay = dayBucket(now) - this.retention.daily_days
    for (const name of this.buckets.keys()) {
      const [kind, index] = name.split(':') as ['h' | 'd', string]
      if (Number(index) < (kind === 'h' ? minHour : minDay)) this.buckets.delete(name)
    }
  }
}
