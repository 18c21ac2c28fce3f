import { randomBytes } from 'node:crypto'
import type { Principal } from '../app-env.js'
import { grantOf } from '../keys/grant.js'
import type { ModelPrice, Pricing, TokenCounts } from '../pricing/price-table.js'
import { keyspace } from '../store/keyspace.js'
import type { Store, StoreLogger } from '../store/store.js'
import type { AdmitRequest, AdmitResult, BudgetCheck, Lease, LimitBackend, SettleRequest } from './backend.js'
import { budgetPeriod } from './budget-period.js'
import type { LimitsConfig } from './config.js'
import { reservedOutputTokens, type Demand } from './estimate-tokens.js'
import { MemoryLimitBackend } from './memory-backend.js'
import { rateLimitHeaders } from './rate-limit-headers.js'
import { planFor, type Plan } from './plan.js'
import { RedisLimitBackend } from './redis-backend.js'
import { limitsUnavailable, refusal } from './refusal.js'
import { SettleQueue } from './settle-queue.js'
import { MemoryUsageBuckets } from './usage-buckets.js'

/** What the limiter needs from the config: the limits section, and which upstreams each model may use. */
export type LimiterConfig = {
  limits: LimitsConfig
  models: ReadonlyArray<{ name: string; targets: ReadonlyArray<{ provider: string; model: string }> }>
  providers: ReadonlyArray<{ name: string; type: string }>
}

/** How a request ended, for reconciliation: real usage when known, and the upstream that answered. */
export type SettleInput = {
  usage?: TokenCounts
  targetModel?: string
  provider?: string
  /** Answered without an upstream call (cache hit, or it failed before one): tokens and cost are 0. */
  free?: boolean
}

export type Settled = { inputTokens: number; outputTokens: number; cachedInputTokens: number; costUsd: number | undefined }

export interface Admission {
  /** x-ratelimit-* for this request. */
  readonly headers: Record<string, string>
  /** Reconciles the reservation and records usage; runs once, never throws, never waits on the store. */
  settle(input: SettleInput): Settled
}

export interface Limiter {
  /**
   * Reserves room for one request in every window and budget it falls under, in one atomic store operation.
   * Throws GatewayError 429 (limits, budget), 401 (key revoked or expired meanwhile), 503 (store down and
   * fail-closed), or StaleKey when the key's record changed since it was cached (refresh it and try again).
   */
  admit(principal: Principal, demand: Demand, model: string): Promise<Admission>
  /** Stops timers once in-flight requests have settled or `timeoutMs` passed; flushes what it can. */
  close(timeoutMs?: number): Promise<void>
}

// How long a settle may wait for the next admission to share its write to Redis.
const SETTLE_BATCH_MS = 5
const BREAKER_FAILURES = 3
const BREAKER_OPEN_MS = 1000
const NANO = 1e9

const usd = (price: ModelPrice | undefined, input: number, output: number) =>
  price ? (input * price.inputPerMtok + output * price.outputPerMtok) / 1e6 : 0

export function createLimiter(config: LimiterConfig, store: Store, pricing: Pricing, opts: { logger?: StoreLogger } = {}): Limiter {
  const limits = config.limits
  const leaseMs = limits.concurrency_lease_seconds * 1000
  const holdMs = limits.max_request_seconds * 1000 + 60_000
  const providerType = new Map(config.providers.map((p) => [p.name, p.type]))
  // Budgets reserve the cost of the dearest target a model may route to.
  const reservePrice = new Map<string, ModelPrice>()
  for (const m of config.models) {
    for (const t of m.targets) {
      const p = pricing.lookup(t.model, providerType.get(t.provider))
      const cur = reservePrice.get(m.name)
      if (p && (!cur || p.inputPerMtok + p.outputPerMtok > cur.inputPerMtok + cur.outputPerMtok)) reservePrice.set(m.name, p)
    }
  }

  const usageBuckets = store.redis ? undefined : store.local('limits:usage', () => new MemoryUsageBuckets(limits.usage_retention))
  const primary: LimitBackend = store.redis
    ? new RedisLimitBackend(store.redis, keyspace(store.prefix), limits.usage_retention, store.timed)
    : store.local('limits:counters', () => new MemoryLimitBackend(usageBuckets))
  const shared = store.redis !== undefined
  const knownSpend = new Map<string, number>()
  let fallback: MemoryLimitBackend | undefined
  const fallbackBackend = () => (fallback ??= new MemoryLimitBackend(undefined, (k) => knownSpend.get(k)))

  let failures = 0
  let openUntil = 0
  const queue = new SettleQueue(primary, store, opts.logger, shared ? SETTLE_BATCH_MS : 0)
  const stopRecover = store.onRecover(() => {
    failures = 0
    openUntil = 0
    fallback = undefined
    queue.flush()
  })

  const inFlight = new Map<string, { backend: LimitBackend; leases: Lease[]; deadline: number }>()
  // Runs only while leases are held, so an idle (or replaced) limiter keeps no timer.
  let renewTimer: NodeJS.Timeout | undefined
  const track = (id: string, entry: { backend: LimitBackend; leases: Lease[]; deadline: number }) => {
    inFlight.set(id, entry)
    if (!renewTimer) {
      renewTimer = setInterval(renew, Math.max(1000, Math.floor(leaseMs / 3)))
      renewTimer.unref()
    }
  }
  async function renew() {
    if (inFlight.size === 0) {
      clearInterval(renewTimer)
      renewTimer = undefined
      return
    }
    const now = Date.now()
    const byBackend = new Map<LimitBackend, Lease[]>()
    for (const [id, f] of inFlight) {
      if (now > f.deadline) inFlight.delete(id)
      else {
        const list = byBackend.get(f.backend)
        if (list) list.push(...f.leases)
        else byBackend.set(f.backend, [...f.leases])
      }
    }
    for (const [backend, leases] of byBackend) await backend.renew(leases, leaseMs).catch(() => undefined)
  }

  const prefix = randomBytes(4).toString('base64url')
  let seq = 0
  const nextId = () => `${prefix}${(seq++).toString(36)}`

  function budgetsFor(plan: Plan, now: number): BudgetCheck[] {
    const out: BudgetCheck[] = []
    for (const b of plan.budgets) {
      const { period, resetAt } = budgetPeriod(b.budget.period, now)
      out.push({ scope: b.scope, period, limitNano: Math.round(b.budget.usd * NANO), resetAt })
    }
    return out
  }

  async function runAdmit(req: AdmitRequest): Promise<{ result: AdmitResult; backend: LimitBackend; viaFallback: boolean }> {
    if (!shared) return { result: await primary.admit(req), backend: primary, viaFallback: false }
    if (Date.now() >= openUntil) {
      try {
        queue.send()
        const result = await primary.admit(req)
        failures = 0
        store.reportSuccess()
        if (result.ok) {
          if (knownSpend.size > 10_000) knownSpend.clear()
          req.budgets.forEach((b, i) => knownSpend.set(`${b.scope}:${b.period}`, (result.budgetSpentNano[i] ?? 0) + req.costNano))
        }
        return { result, backend: primary, viaFallback: false }
      } catch (err) {
        store.reportFailure(err)
        if (++failures >= BREAKER_FAILURES) openUntil = Date.now() + BREAKER_OPEN_MS
        if (limits.on_store_error === 'fail-closed') throw limitsUnavailable(err)
      }
    } else if (limits.on_store_error === 'fail-closed') throw limitsUnavailable(undefined)
    // Fail-open: this replica's own counters stand in, with the key's record as last seen (expiry still checked).
    const result = await fallbackBackend().admit(req)
    return { result, backend: fallback!, viaFallback: true }
  }

  async function admit(principal: Principal, demand: Demand, model: string): Promise<Admission> {
    const plan = planFor(principal, model, limits)
    const now = Date.now()
    const budgets = budgetsFor(plan, now)
    const price = reservePrice.get(model)
    const needsTokens = plan.hasTpm || (budgets.length > 0 && price !== undefined)
    const inputTokens = needsTokens ? demand.inputTokens() : 0
    const outputTokens = needsTokens ? reservedOutputTokens(demand, limits.output_reserve_tokens, plan.minTpm - inputTokens) : 0
    const costNano = budgets.length > 0 ? Math.round(usd(price, inputTokens, outputTokens) * NANO) : 0
    const grant = grantOf(principal)
    const id = nextId()
    const req: AdmitRequest = {
      id,
      tokens: inputTokens + outputTokens,
      costNano,
      windows: plan.windows,
      budgets,
      ...(grant.virtual || grant.expiresAt > 0 ? { key: { id: principal.id, version: grant.version, expiresAt: grant.expiresAt } } : {}),
      leaseMs,
      holdMs,
    }

    let backend: LimitBackend | undefined
    let viaFallback = false
    let second = 0
    let headers: Record<string, string> = {}
    // Nothing to check (no limits, budgets or key record): skip the round trip, only usage is recorded.
    if (plan.windows.length > 0 || budgets.length > 0 || req.key) {
      const run = await runAdmit(req)
      backend = run.backend
      viaFallback = run.viaFallback
      const r = run.result
      headers = rateLimitHeaders(r.windows)
      if (!r.ok) throw refusal(r, headers, principal, model)
      second = r.second
    }

    const leases: Lease[] = plan.windows.filter((w) => w.kind === 'concurrency').map((w) => ({ scope: w.scope, id }))
    if (backend && leases.length > 0) track(id, { backend, leases, deadline: now + limits.max_request_seconds * 1000 })
    let settled: Settled | undefined

    return {
      headers,
      settle(input) {
        if (settled) return settled
        inFlight.delete(id)
        const counts = input.free ? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 } : input.usage
        const actual = counts ?? { inputTokens, outputTokens: 0, cachedInputTokens: 0 }
        const pType = input.provider ? providerType.get(input.provider) : undefined
        const costUsd = input.free ? 0 : input.targetModel ? pricing.priceOf(input.targetModel, actual, pType) : undefined
        const actualCostNano = Math.round((costUsd ?? 0) * NANO)
        settled = { inputTokens: actual.inputTokens, outputTokens: actual.outputTokens, cachedInputTokens: actual.cachedInputTokens ?? 0, costUsd }
        const base: SettleRequest = {
          id,
          mode: backend ? 'reconcile' : 'usage',
          reservedTokens: req.tokens,
          actualTokens: actual.inputTokens + actual.outputTokens,
          reservedCostNano: costNano,
          actualCostNano,
          windows: plan.windows,
          budgets,
          second,
          usage: {
            keyId: principal.id,
            keyName: principal.name,
            team: principal.team ?? '',
            model,
            inputTokens: actual.inputTokens,
            outputTokens: actual.outputTokens,
            cachedInputTokens: actual.cachedInputTokens ?? 0,
            costNano: actualCostNano,
          },
          at: now,
        }
        if (viaFallback) {
          // Release the local reservation; the shared store still has to learn about the spend and usage.
          void backend!.settle(base).catch(() => undefined)
          queue.submit({ ...base, mode: 'add' })
        } else queue.submit(base)
        return settled
      },
    }
  }

  return {
    admit,
    async close(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      clearInterval(renewTimer)
      renewTimer = undefined
      stopRecover()
      await queue.drain(Math.max(0, deadline - Date.now()))
    },
  }
}
