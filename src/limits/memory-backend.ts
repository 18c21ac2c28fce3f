import {
  WINDOW_MS,
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

type Entry = { t: number; n: number }

/** Entries of the last 60 s, oldest first, with their running sum. */
class SlidingLog {
  private entries: Entry[] = []
  private head = 0
  private readonly byId = new Map<string, Entry>()
  sum = 0

  evict(now: number): void {
    const cutoff = now - WINDOW_MS
    while (this.head < this.entries.length && this.entries[this.head]!.t <= cutoff) {
      this.sum -= this.entries[this.head]!.n
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
      for (const [id, e] of this.byId) if (e.t <= cutoff) this.byId.delete(id)
    }
  }
  get count(): number {
    return this.entries.length - this.head
  }
  oldest(): number | undefined {
    return this.entries[this.head]?.t
  }
  /** `id` only for entries that may be adjusted later (token reservations). */
  add(t: number, n: number, id?: string): void {
    const e = { t, n }
    this.entries.push(e)
    if (id !== undefined) this.byId.set(id, e)
    this.sum += n
  }
  /** Replaces a live entry's amount; false when it has already left the window. */
  adjust(id: string, n: number, now: number): boolean {
    const e = this.byId.get(id)
    this.byId.delete(id)
    if (!e || e.t <= now - WINDOW_MS) return false
    this.sum += n - e.n
    e.n = n
    return true
  }
  /** Time until enough of the oldest entries leave for `need` more to fit under `limit`. */
  waitFor(need: number, limit: number, now: number): number {
    let total = this.sum
    for (let i = this.head; i < this.entries.length; i++) {
      total -= this.entries[i]!.n
      if (total + need <= limit) return this.entries[i]!.t + WINDOW_MS - now
    }
    return WINDOW_MS
  }
}

export class MemoryLimitBackend implements LimitBackend {
  private readonly logs = new Map<string, SlidingLog>()
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
      const log = this.log(w.kind, w.scope, now)
      const need = w.kind === 'rpm' ? 1 : req.tokens
      const used = w.kind === 'rpm' ? log.count : log.sum
      const oldest = log.oldest()
      const resetMs = oldest === undefined ? WINDOW_MS : oldest + WINDOW_MS - now
      if (need > w.limit) fail('too_large', w.scope, w.limit, undefined)
      else if (used + need > w.limit) fail(w.kind, w.scope, w.limit, w.kind === 'rpm' ? resetMs : log.waitFor(need, w.limit, now))
      windows.push({ kind: w.kind, limit: w.limit, remaining: Math.max(0, w.limit - used - need), resetMs })
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
      else if (w.kind === 'rpm') this.log('rpm', w.scope, now).add(now, 1)
      else if (req.tokens > 0) this.log('tpm', w.scope, now).add(now, req.tokens, req.id)
    }
    for (const b of req.budgets) this.budget(b.scope, b.period, b.resetAt, now).nano += req.costNano
    return { ok: true, windows, budgetSpentNano }
  }

  async settle(req: SettleRequest): Promise<void> {
    const now = this.now()
    const reconcile = req.mode === 'reconcile'
    for (const w of req.windows) {
      if (w.kind === 'concurrency') this.leases.get(w.scope)?.delete(req.id)
      else if (w.kind === 'tpm') {
        const log = this.log('tpm', w.scope, now)
        if (!reconcile) {
          if (req.actualTokens > 0) log.add(now, req.actualTokens)
        } else if (!log.adjust(req.id, req.actualTokens, now) && req.actualTokens > req.reservedTokens) {
          // The reservation already left the window (a long stream): what it underestimated counts from now.
          log.add(now, req.actualTokens - req.reservedTokens)
        }
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

  private log(kind: 'rpm' | 'tpm', scope: string, now: number): SlidingLog {
    const name = `${kind}:${scope}`
    let log = this.logs.get(name)
    if (!log) {
      log = new SlidingLog()
      this.logs.set(name, log)
    }
    log.evict(now)
    return log
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
      b = { nano: this.knownSpend?.(name) ?? 0, resetAt }
      this.spent.set(name, b)
    }
    return b
  }
}

/** Which refusal wins when several checks fail: the one the client can least fix by waiting. */
const RANK: Record<Rejection, number> = { revoked: 0, expired: 0, stale: 0, budget: 1, too_large: 2, concurrency: 3, rpm: 4, tpm: 5 }
