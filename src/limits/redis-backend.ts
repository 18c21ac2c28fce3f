import type { RedisClient } from '../store/redis.js'
import type { Keyspace } from '../store/keyspace.js'
import {
  type AdmitRequest,
  type AdmitResult,
  type Lease,
  type LimitBackend,
  type Rejection,
  type SettleRequest,
  type WindowCheck,
  type WindowState,
} from './backend.js'
import { ADMIT, RENEW, SETTLE } from './redis-scripts.js'
import { dayBucket, hourBucket, metricValues, rowField } from './usage-buckets.js'

type Runner = (keys: string[], args: Array<string | number>) => Promise<unknown>

/** Registers a script once per client (EVALSHA, with EVAL when Redis has not seen it yet). */
function defineScript(client: RedisClient, name: string, lua: string): Runner {
  client.defineCommand(name, { lua })
  const call = (client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name]!
  return (keys, args) => call.call(client, keys.length, ...keys, ...args)
}

const KIND_CODE = { rpm: 'r', tpm: 't', concurrency: 'c' } as const
const MODE_CODE = { reconcile: 'r', add: 'a', usage: 'u' } as const
// A settle retried for a request admitted elsewhere is recognised for this long.
const DONE_MARKER_MS = 15 * 60_000

/** Every admission and every settle is one EVALSHA; see src/limits/redis-scripts.ts. */
export class RedisLimitBackend implements LimitBackend {
  private readonly runAdmit: Runner
  private readonly runSettle: Runner
  private readonly runRenew: Runner

  constructor(
    client: RedisClient,
    private readonly ks: Keyspace,
    private readonly retention: { hourly_days: number; daily_days: number },
    private readonly timed: <T>(op: Promise<T>) => Promise<T> = (op) => op,
  ) {
    this.runAdmit = defineScript(client, 'syLimitsAdmit', ADMIT)
    this.runSettle = defineScript(client, 'syLimitsSettle', SETTLE)
    this.runRenew = defineScript(client, 'syLimitsRenew', RENEW)
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const ks = this.ks
    const keys = [ks.reservation(req.id), ks.keyVersions]
    const args: Array<string | number> = [
      req.id,
      req.tokens,
      req.costNano,
      req.leaseMs,
      req.holdMs,
      req.key?.id ?? '',
      req.key?.version ?? 0,
      req.key?.expiresAt ?? 0,
      req.windows.length,
    ]
    for (const w of req.windows) {
      args.push(KIND_CODE[w.kind], w.limit)
      keys.push(windowKey(ks, w.kind, w.scope))
    }
    args.push(req.budgets.length)
    for (const b of req.budgets) {
      args.push(b.limitNano, b.resetAt)
      keys.push(ks.budget(b.scope, b.period))
    }
    const reply = (await this.timed(this.runAdmit(keys, args))) as [string, ...unknown[]]
    const status = reply[0]
    if (status === 'revoked' || status === 'stale' || status === 'expired') return { ok: false, reason: status, windows: [] }
    if (status === 'ok') {
      return { ok: true, windows: toStates(req, reply[1] as number[][]), budgetSpentNano: reply[2] as number[], second: reply[3] as number }
    }
    const [, reason, index, limit, retry, states] = reply as [string, Rejection, number, number, number, number[][]]
    const scope = index <= req.windows.length ? req.windows[index - 1]?.scope : req.budgets[index - req.windows.length - 1]?.scope
    return { ok: false, reason, scope, limit, retryAfterMs: retry >= 0 ? retry : undefined, windows: toStates(req, states) }
  }

  async settle(req: SettleRequest): Promise<void> {
    const ks = this.ks
    const keys = [ks.reservation(req.id)]
    const args: Array<string | number> = [
      req.id,
      MODE_CODE[req.mode],
      req.reservedTokens,
      req.actualTokens,
      req.reservedCostNano,
      req.actualCostNano,
      req.second,
      DONE_MARKER_MS,
    ]
    const windows = req.windows.filter((w) => w.kind !== 'rpm')
    args.push(windows.length)
    for (const w of windows) {
      args.push(KIND_CODE[w.kind])
      keys.push(windowKey(ks, w.kind, w.scope))
    }
    args.push(req.budgets.length)
    for (const b of req.budgets) {
      args.push(b.resetAt)
      keys.push(ks.budget(b.scope, b.period))
    }
    keys.push(ks.usage('h', hourBucket(req.at)), ks.usage('d', dayBucket(req.at)))
    args.push(`${rowField(req.usage)}|`, this.retention.hourly_days * 86_400, this.retention.daily_days * 86_400)
    for (const [metric, value] of metricValues(req.usage)) args.push(metric, value)
    // Not timed like an admission: nobody waits on a settle, and one that fails only waits in the retry queue.
    await this.runSettle(keys, args)
  }

  async renew(leases: readonly Lease[], leaseMs: number): Promise<void> {
    if (leases.length === 0) return
    await this.runRenew(
      leases.map((l) => this.ks.concurrency(l.scope)),
      [leaseMs, ...leases.map((l) => l.id)],
    )
  }
}

function windowKey(ks: Keyspace, kind: WindowCheck['kind'], scope: string): string {
  return kind === 'rpm' ? ks.rpm(scope) : kind === 'tpm' ? ks.tpm(scope) : ks.concurrency(scope)
}

function toStates(req: AdmitRequest, raw: number[][]): WindowState[] {
  return req.windows.map((w, i) => {
    const [limit, remaining, resetMs] = raw[i] ?? [w.limit, 0, 0]
    return { kind: w.kind, limit: limit!, remaining: remaining!, resetMs: resetMs! }
  })
}
