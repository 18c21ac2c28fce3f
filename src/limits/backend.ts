// The contract between the limiter and where counters live (Redis, or this process). One `admit` and one
// `settle` per request, each a single atomic operation over every scope the request touches.

/**
 * rpm and tpm windows are the last 60 whole seconds (the current one included), counted in per-second
 * buckets: memory per scope stays bounded whatever the rate, and a request stops counting 59–60 s after it
 * was admitted.
 */
export const WINDOW_SECONDS = 60

/** A sliding 60-second window (rpm, tpm) or a set of leases (concurrency) of one scope, e.g. `k:key_123`. */
export type WindowCheck = { kind: 'rpm' | 'tpm' | 'concurrency'; scope: string; limit: number }

/** Spend of one scope in one budget period (`period` names the bucket, e.g. `m2026-07`); `resetAt` is its end (0: never). */
export type BudgetCheck = { scope: string; period: string; limitNano: number; resetAt: number }

/** A virtual key's record version and expiry, checked inside the same atomic operation (revocation is exact). */
export type KeyCheck = { id: string; version: number; expiresAt: number }

export type AdmitRequest = {
  /** Unique per request; names the reservation everywhere. */
  id: string
  tokens: number
  costNano: number
  windows: readonly WindowCheck[]
  budgets: readonly BudgetCheck[]
  key?: KeyCheck
  leaseMs: number
  /** How long the reservation stays reconcilable. */
  holdMs: number
}

/** Where a window stands after the check: `resetMs` is the time until its oldest counted entry leaves. */
export type WindowState = { kind: WindowCheck['kind']; limit: number; remaining: number; resetMs: number }

export type Rejection = 'rpm' | 'tpm' | 'concurrency' | 'budget' | 'too_large' | 'revoked' | 'stale' | 'expired'

export type AdmitResult =
  /** `second`: the window bucket the reservation went into (the settle reconciles that bucket). */
  | { ok: true; windows: WindowState[]; budgetSpentNano: number[]; second: number }
  | { ok: false; reason: Rejection; scope?: string; limit?: number; retryAfterMs?: number; windows: WindowState[] }

/** Usage row a settled request adds to the hourly and daily buckets. */
export type UsageRow = {
  keyId: string
  keyName: string
  team: string
  model: string
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
  costNano: number
}

export type SettleRequest = {
  id: string
  /**
   * `reconcile`: this backend admitted the request, so replace its reservation with the actual amounts;
   * `add`: it did not (a fallback admitted it while this one was unreachable), so add the actual amounts;
   * `usage`: nothing was reserved because nothing limits the request; only usage is recorded.
   */
  mode: 'reconcile' | 'add' | 'usage'
  reservedTokens: number
  actualTokens: number
  reservedCostNano: number
  actualCostNano: number
  windows: readonly WindowCheck[]
  budgets: readonly BudgetCheck[]
  usage: UsageRow
  /** The window bucket of the reservation (AdmitResult.second); ignored by `add` and `usage`. */
  second: number
  /** When the request was admitted (ms since epoch): picks the usage buckets. */
  at: number
}

export type Lease = { scope: string; id: string }

export interface LimitBackend {
  admit(req: AdmitRequest): Promise<AdmitResult>
  settle(req: SettleRequest): Promise<void>
  /** Extends the concurrency leases of requests still in flight (never re-creates a released one). */
  renew(leases: readonly Lease[], leaseMs: number): Promise<void>
}
