import type { Budget } from './config.js'

/** The bucket a budget's spend is counted in, and when it ends (0 for `total`). All periods are UTC. */
export type BudgetPeriod = { period: string; resetAt: number }

const DAY_MS = 86_400_000

export function budgetPeriod(period: Budget['period'], now: number): BudgetPeriod {
  const d = new Date(now)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  const day = d.getUTCDate()
  switch (period) {
    case 'day':
      return { period: `d${Date.UTC(y, m, day) / DAY_MS}`, resetAt: Date.UTC(y, m, day + 1) }
    case 'week': {
      // ISO weeks start on Monday.
      const monday = Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7))
      return { period: `w${monday / DAY_MS}`, resetAt: monday + 7 * DAY_MS }
    }
    case 'month':
      return { period: `m${y}-${String(m + 1).padStart(2, '0')}`, resetAt: Date.UTC(y, m + 1, 1) }
    case 'total':
      return { period: 'total', resetAt: 0 }
  }
}
