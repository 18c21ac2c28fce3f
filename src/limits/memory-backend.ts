import {
  WINDOW_SECONDS,
  type AdmitRequest,
  type AdmitResult,
  type Lease,
  type LimitBackend,
  type Rejection,
  type SettleRequest,
  type WindowState,
} from './backend.js'
import type { MemoryUsageBuckets } from './usage-buckets.js'

// The same semantics as the Redis scripts (src/limits/redis-scripts.ts), for one process: the store when
// there is no Redis, and the local fallback limiter while Redis is unreachable.

/** What was admitted in each of the last 60 whole seconds, oldest first, and the total. */
class SecondBuckets {
  private readonly buckets = new Map<number, number>()
  total = 0

  evict(nowSec: number): void {
    const cutoff = nowSec - (WINDOW_SECONDS - 1)
    for (const [sec, n] of this.buckets) {
      if (sec >= cutoff) break
      this.total -= n
      this.buckets.delete(sec)
    }
  }
  oldest(): number | undefined {
    for (const sec of this.buckets.keys()) return sec
    return undefined
  }
  add(sec: number, n: number): void {
    this.buckets.set(sec, (this.buckets.get(sec) ?? 0) + n)
    this.total += n
  }
  /** Adjusts a bucket still in the window; false when it has already left. */
  adjust(sec: number, delta: number): boolean {
    const n = this.buckets.get(sec)
    if (n === undefined) return false
    this.buckets.set(sec, n + delta)
    this.total += delta
    return true
  }
  /** Time until enough of the oldest buckets leave for `need` more to fit under `limit`. */
  waitFor(need: number, limit: number, now: number): number {
    let total = this.total
    for (const [sec, n] of this.buckets) {
      total -= n
      if (total + need <= limit) return (sec + WINDOW_SECONDS) * 1000 - now
    }
    return WINDOW_SECONDS * 1000
  }
}

export class MemoryLimitBackend implements LimitBackend {
  private readonly windows = new Map<string, SecondBuckets>()
  private readonly leases = new Map<string, Map<string, number>>()
  private readonly spent = new Map<string, { nano: number; resetAt: number }>()

  constructor(
    private readonly usage: MemoryUsageBuckets | undefined,
    /** Spend last seen in the shared store, so a fallback starts from it rather than from zero. */
    private readonly knownSpend?: (budgetKey: string) => number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const now = this.now()
    const nowSec = Math.floor(now / 1000)
    const windows: WindowState[] = []
    let failure: { reason: Rejection; scope: string; limit: number; retryAfterMs?: number; rank: number } | undefined
    const fail = (reason: Rejection, scope: string, limit: number, retryAfterMs: number | undefined) => {
      const rank = RANK[reason]
      if (!failure || rank < failure.rank) failure = { reason, scope, limit, retryAfterMs, rank }
      else if (rank === failure.rank && retryAfterMs !== undefined && retryAfterMs > (failure.retryAfterMs ?? 0)) failure.retryAfterMs = retryAfterMs
    }
    if (req.key && req.key.expiresAt > 0 && now >= req.key.expiresAt) return { ok: false, reason: 'expired', windows }

    for (const w of req.windows) {
      if (w.kind === 'concurrency') {
        const held = this.leaseSet(w.scope, now)
        if (held.size + 1 > w.limit) fail('concurrency', w.scope, w.limit, 1000)
        windows.push({ kind: w.kind, limit: w.limit, remaining: Math.max(0, w.limit - held.size - 1), resetMs: 0 })
        continue
      }
      const log = this.window(w.kind, w.scope, nowSec)
      const need = w.kind === 'rpm' ? 1 : req.tokens
      const resetMs = ((log.oldest() ?? nowSec) + WINDOW_SECONDS) * 1000 - now
      if (need > w.limit) fail('too_large', w.scope, w.limit, undefined)
      else if (log.total + need > w.limit) fail(w.kind, w.scope, w.limit, log.waitFor(need, w.limit, now))
      windows.push({ kind: w.kind, limit: w.limit, remaining: Math.max(0, w.limit - log.total - need), resetMs })
    }
    const budgetSpentNano: number[] = []
    for (const b of req.budgets) {
      const spent = this.budget(b.scope, b.period, b.resetAt, now).nano
      budgetSpentNano.push(spent)
      if (spent >= b.limitNano) fail('budget', b.scope, b.limitNano, b.resetAt > 0 ? b.resetAt - now : undefined)
    }
    if (failure) {
      const { reason, scope, limit, retryAfterMs } = failure
      return { ok: false, reason, scope, limit, retryAfterMs, windows }
    }

    for (const w of req.windows) {
      if (w.kind === 'concurrency') this.leaseSet(w.scope, now).set(req.id, now + req.leaseMs)
      else if (w.kind === 'rpm') this.window('rpm', w.scope, nowSec).add(nowSec, 1)
      else if (req.tokens > 0) this.window('tpm', w.scope, nowSec).add(nowSec, req.tokens)
    }
    for (const b of req.budgets) this.budget(b.scope, b.period, b.resetAt, now).nano += req.costNano
    return { ok: true, windows, budgetSpentNano, second: nowSec }
  }

  async settle(req: SettleRequest): Promise<void> {
    const now = this.now()
    const nowSec = Math.floor(now / 1000)
    const reconcile = req.mode === 'reconcile'
    for (const w of req.windows) {
      if (w.kind === 'concurrency') this.leases.get(w.scope)?.delete(req.id)
      else if (w.kind === 'tpm') {
        const log = this.window('tpm', w.scope, nowSec)
        const delta = reconcile ? req.actualTokens - req.reservedTokens : req.actualTokens
        // Not reserved here, or the reservation already left the window (a long stream): count it from now.
        if (!(reconcile && log.adjust(req.second, delta)) && delta > 0) log.add(nowSec, delta)
      }
    }
    const delta = reconcile ? req.actualCostNano - req.reservedCostNano : req.actualCostNano
    for (const b of req.budgets) this.budget(b.scope, b.period, b.resetAt, now).nano += delta
    this.usage?.add(req.usage, req.at)
  }

  async renew(leases: readonly Lease[], leaseMs: number): Promise<void> {
    const until = this.now() + leaseMs
    for (const l of leases) {
      const set = this.leases.get(l.scope)
      if (set?.has(l.id)) set.set(l.id, until)
    }
  }

  private window(kind: 'rpm' | 'tpm', scope: string, nowSec: number): SecondBuckets {
    const name = `${kind}:${scope}`
    let w = this.windows.get(name)
    if (!w) {
      w = new SecondBuckets()
      this.windows.set(name, w)
    }
    w.evict(nowSec)
    return w
  }

  private leaseSet(scope: string, now: number): Map<string, number> {
    let set = this.leases.get(scope)
    if (!set) {
      set = new Map()
      this.leases.set(scope, set)
    }
    for (const [id, until] of set) if (until <= now) set.delete(id)
    return set
  }

  private budget(scope: string, period: string, resetAt: number, now: number): { nano: number; resetAt: number } {
    const name = `${scope}:${period}`
    let b = this.spent.get(name)
    if (b && b.resetAt > 0 && b.resetAt <= now) b = undefined
    if (!b) {
      if (this.spent.size >= MAX_BUDGET_ENTRIES) for (const [k, v] of this.spent) if (v.resetAt > 0 && v.resetAt <= now) this.spent.delete(k)
      b = { nano: this.knownSpend?.(name) ?? 0, resetAt }
      this.spent.set(name, b)
    }
    return b
  }
}

// Past periods are swept once this many budget counters exist.
const MAX_BUDGET_ENTRIES = 10_000

/** Which refusal wins when several checks fail: the one the client can least fix by waiting. */
const RANK: Record<Rejection, number> = { revoked: 0, expired: 0, stale: 0, budget: 1, too_large: 2, concurrency: 3, rpm: 4, tpm: 5 }
