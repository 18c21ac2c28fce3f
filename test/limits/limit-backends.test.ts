import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdmitRequest, LimitBackend, SettleRequest, WindowCheck } from '../../src/limits/backend.js'
import { MemoryLimitBackend } from '../../src/limits/memory-backend.js'
import { RedisLimitBackend } from '../../src/limits/redis-backend.js'
import { MemoryUsageBuckets } from '../../src/limits/usage-buckets.js'
import { keyspace } from '../../src/store/keyspace.js'
import { createRedisClient, type RedisClient } from '../../src/store/redis.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

// The same cases run against the Redis scripts and the in-memory implementation: they must agree.

let redis: RedisServer
const clients: RedisClient[] = []
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis.stop()
})

let seq = 0
/** The window second each admitted request was counted in, as its settle needs it. */
const seconds = new Map<string, number>()
const retention = { hourly_days: 2, daily_days: 10 }
function admitReq(windows: WindowCheck[], over: Partial<AdmitRequest> = {}): AdmitRequest {
  return { id: `r${seq++}`, tokens: 0, costNano: 0, windows, budgets: [], leaseMs: 60_000, holdMs: 600_000, ...over }
}
function settleReq(a: AdmitRequest, over: Partial<SettleRequest> = {}): SettleRequest {
  return {
    id: a.id,
    mode: 'reconcile',
    reservedTokens: a.tokens,
    actualTokens: a.tokens,
    reservedCostNano: a.costNano,
    actualCostNano: a.costNano,
    windows: a.windows,
    budgets: a.budgets,
    usage: { keyId: 'k1', keyName: 'app', team: 't', model: 'm', inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, costNano: 0 },
    second: seconds.get(a.id) ?? 0,
    at: Date.now(),
    ...over,
  }
}

function recording(b: LimitBackend): LimitBackend {
  return {
    admit: async (req) => {
      const r = await b.admit(req)
      if (r.ok) seconds.set(req.id, r.second)
      return r
    },
    settle: (req) => b.settle(req),
    renew: (leases, ms) => b.renew(leases, ms),
  }
}

const backends: Array<[string, () => Promise<LimitBackend>]> = [
  ['memory', async () => recording(new MemoryLimitBackend(new MemoryUsageBuckets(retention)))],
  [
    'redis',
    async () => {
      const client = createRedisClient(redis.url, { commandTimeoutMs: 2000 })
      clients.push(client)
      await new Promise((r) => client.once('ready', r))
      return recording(new RedisLimitBackend(client, keyspace(`t${seq++}:`), retention))
    },
  ],
]

describe.each(backends)('%s limit backend', (_name, make) => {
  it('admits exactly rpm requests per window, then refuses with the wait until the oldest leaves', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'rpm', scope: 'k:a', limit: 5 }]
    const results = []
    for (let i = 0; i < 7; i++) results.push(await b.admit(admitReq(w)))
    expect(results.filter((r) => r.ok)).toHaveLength(5)
    const last = results[6]!
    expect(last.ok).toBe(false)
    if (last.ok) return
    expect(last.reason).toBe('rpm')
    expect(last.retryAfterMs).toBeGreaterThan(0)
    expect(last.retryAfterMs).toBeLessThanOrEqual(60_000)
    const fifth = results[4]!
    expect(fifth.windows[0]).toMatchObject({ kind: 'rpm', limit: 5, remaining: 0 })
  })

  it('reserves tokens, and reconciling with smaller real usage frees the difference', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'tpm', scope: 'k:b', limit: 100 }]
    const first = admitReq(w, { tokens: 40 })
    expect((await b.admit(first)).ok).toBe(true)
    expect((await b.admit(admitReq(w, { tokens: 40 }))).ok).toBe(true)
    const third = await b.admit(admitReq(w, { tokens: 40 }))
    expect(third).toMatchObject({ ok: false, reason: 'tpm' })
    await b.settle(settleReq(first, { actualTokens: 10 }))
    const again = await b.admit(admitReq(w, { tokens: 40 }))
    expect(again.ok).toBe(true)
    if (again.ok) expect(again.windows[0]!.remaining).toBe(100 - 10 - 40 - 40)
  })

  it('counts usage above the reservation against the window', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'tpm', scope: 'k:c', limit: 100 }]
    const first = admitReq(w, { tokens: 10 })
    await b.admit(first)
    await b.settle(settleReq(first, { actualTokens: 95 }))
    expect(await b.admit(admitReq(w, { tokens: 10 }))).toMatchObject({ ok: false, reason: 'tpm' })
  })

  it('refuses a request larger than the whole token limit as too large', async () => {
    const b = await make()
    const r = await b.admit(admitReq([{ kind: 'tpm', scope: 'k:d', limit: 100 }], { tokens: 101 }))
    expect(r).toMatchObject({ ok: false, reason: 'too_large', limit: 100 })
  })

  it('holds concurrency slots until settled', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'concurrency', scope: 'k:e', limit: 2 }]
    const one = admitReq(w)
    expect((await b.admit(one)).ok).toBe(true)
    expect((await b.admit(admitReq(w))).ok).toBe(true)
    expect(await b.admit(admitReq(w))).toMatchObject({ ok: false, reason: 'concurrency' })
    await b.settle(settleReq(one))
    expect((await b.admit(admitReq(w))).ok).toBe(true)
  })

  it('lets a lease that nobody renews expire, and keeps a renewed one', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'concurrency', scope: 'k:f', limit: 1 }]
    const kept = admitReq(w, { leaseMs: 150 })
    expect((await b.admit(kept)).ok).toBe(true)
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 60))
      await b.renew([{ scope: 'k:f', id: kept.id }], 150)
    }
    expect((await b.admit(admitReq(w))).ok).toBe(false)
    await new Promise((r) => setTimeout(r, 250))
    expect((await b.admit(admitReq(w))).ok).toBe(true)
  })

  it('refuses once spend reaches the budget, counting in-flight reservations', async () => {
    const b = await make()
    const budgets = [{ scope: 'k:g', period: 'total', limitNano: 100, resetAt: 0 }]
    const first = admitReq([], { budgets, costNano: 60 })
    expect((await b.admit(first)).ok).toBe(true)
    expect((await b.admit(admitReq([], { budgets, costNano: 60 }))).ok).toBe(true)
    expect(await b.admit(admitReq([], { budgets, costNano: 1 }))).toMatchObject({ ok: false, reason: 'budget' })
    await b.settle(settleReq(first, { actualCostNano: 0 }))
    const r = await b.admit(admitReq([], { budgets, costNano: 1 }))
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.budgetSpentNano[0]).toBe(60)
  })

  it('refuses an expired key', async () => {
    const b = await make()
    const r = await b.admit(admitReq([], { key: { id: 'key_x', version: 1, expiresAt: Date.now() - 1000 } }))
    expect(r).toMatchObject({ ok: false })
  })

  it('prefers the budget refusal over a window refusal', async () => {
    const b = await make()
    const w: WindowCheck[] = [{ kind: 'rpm', scope: 'k:h', limit: 1 }]
    const budgets = [{ scope: 'k:h', period: 'total', limitNano: 10, resetAt: 0 }]
    await b.admit(admitReq(w, { budgets, costNano: 10 }))
    expect(await b.admit(admitReq(w, { budgets }))).toMatchObject({ ok: false, reason: 'budget' })
  })
})

describe('redis limit backend only', () => {
  async function make() {
    const client = createRedisClient(redis.url, { commandTimeoutMs: 2000 })
    clients.push(client)
    await new Promise((r) => client.once('ready', r))
    const ks = keyspace(`o${seq++}:`)
    return { client, ks, backend: recording(new RedisLimitBackend(client, ks, retention)) }
  }

  it('applies a retried settle once', async () => {
    const { client, ks, backend } = await make()
    const budgets = [{ scope: 'k:i', period: 'total', limitNano: 1000, resetAt: 0 }]
    const a = admitReq([], { budgets, costNano: 100 })
    await backend.admit(a)
    await backend.settle(settleReq(a, { actualCostNano: 30 }))
    await backend.settle(settleReq(a, { actualCostNano: 30 }))
    expect(await client.get(ks.budget('k:i', 'total'))).toBe('30')
  })

  it('adds the full spend of a request admitted elsewhere, once', async () => {
    const { client, ks, backend } = await make()
    const budgets = [{ scope: 'k:j', period: 'total', limitNano: 1000, resetAt: 0 }]
    const a = admitReq([], { budgets, costNano: 100 })
    const s = settleReq(a, { mode: 'add', actualCostNano: 70 })
    await backend.settle(s)
    await backend.settle(s)
    expect(await client.get(ks.budget('k:j', 'total'))).toBe('70')
  })

  it('checks the key record version in the same operation', async () => {
    const { client, ks, backend } = await make()
    await client.hset(ks.keyVersions, 'key_v', '2')
    expect(await backend.admit(admitReq([], { key: { id: 'key_v', version: 2, expiresAt: 0 } }))).toMatchObject({ ok: true })
    expect(await backend.admit(admitReq([], { key: { id: 'key_v', version: 1, expiresAt: 0 } }))).toMatchObject({ ok: false, reason: 'stale' })
    await client.hdel(ks.keyVersions, 'key_v')
    expect(await backend.admit(admitReq([], { key: { id: 'key_v', version: 2, expiresAt: 0 } }))).toMatchObject({ ok: false, reason: 'revoked' })
  })

  it('admits exactly the limit when two clients race a burst', async () => {
    const { ks } = await make()
    const clientA = createRedisClient(redis.url, { commandTimeoutMs: 5000 })
    const clientB = createRedisClient(redis.url, { commandTimeoutMs: 5000 })
    clients.push(clientA, clientB)
    await Promise.all([new Promise((r) => clientA.once('ready', r)), new Promise((r) => clientB.once('ready', r))])
    const a = new RedisLimitBackend(clientA, ks, retention)
    const b = new RedisLimitBackend(clientB, ks, retention)
    const w: WindowCheck[] = [
      { kind: 'rpm', scope: 'k:burst', limit: 300 },
      { kind: 'rpm', scope: 'm:burst', limit: 1000 },
    ]
    const results = await Promise.all(Array.from({ length: 800 }, (_, i) => (i % 2 ? a : b).admit(admitReq(w))))
    expect(results.filter((r) => r.ok)).toHaveLength(300)
  })
})
