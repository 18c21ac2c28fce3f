import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { eventually, startReplica, type Replica } from './helpers/replica.js'

// Redis dies mid-run: a fail-open replica keeps serving under its local fallback limiter, a fail-closed one
// refuses with 503; nothing crashes or hangs, and both recover (and flush the usage they held) once Redis is back.

const ADMIN = 'sk-admin-outage-0123456789'
const KEY = 'sk-test-outage-key-0123456789'
let redis: RedisServer
let up: FakeOpenAI
let open: Replica
let closed: Replica

const config = (onStoreError: 'fail-open' | 'fail-closed') => ({
  // Killing Redis refuses connections at once; the timeout only has to outlast a loaded test machine.
  store: { redis_url: redis.url, command_timeout_ms: 1000 },
  auth: { mode: 'keys', admin_key: ADMIN, keys: [{ key: KEY, name: 'outage-app', limits: { rpm: 3 } }] },
  limits: { on_store_error: onStoreError },
  providers: [{ name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream' }],
  models: [{ name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
})

beforeAll(async () => {
  redis = await startRedisServer()
  up = await startFakeOpenAI({ id: 'outage', record: false })
  open = await startReplica(config('fail-open'))
  closed = await startReplica(config('fail-closed'))
})
afterAll(async () => {
  await Promise.all([open.close(), closed.close()])
  await up.close()
  await redis.stop()
})

/** A request that must answer promptly: a hung one fails the test instead of stalling it. */
const ask = (gw: Replica, content = 'hi') =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
    signal: AbortSignal.timeout(5000),
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as { error?: { code: string } } }))

async function killRedis() {
  const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  await admin.connect()
  await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
  admin.disconnect()
}

describe('Redis killed mid-run', () => {
  it('fail-open serves under the local limiter, fail-closed refuses, both recover when Redis is back', async () => {
    expect((await ask(open)).status).toBe(200)
    expect((await ask(closed)).status).toBe(200)

    await killRedis()
    await eventually(() => open.store.state().status === 'degraded' && closed.store.state().status === 'degraded')

    // Fail-open: the replica's own limiter holds the key to its rpm meanwhile.
    const during = await Promise.all(Array.from({ length: 5 }, (_, i) => ask(open, `outage ${i}`)))
    expect(during.filter((r) => r.status === 200)).toHaveLength(3)
    expect(during.filter((r) => r.status === 429)).toHaveLength(2)

    // Fail-closed: a prompt 503, never a wait on the dead store.
    const refused = await ask(closed)
    expect(refused.status).toBe(503)
    expect(refused.body.error?.code).toBe('limits_unavailable')
    expect(refused.headers.get('retry-after')).toBe('1')

    // The usage API says so rather than failing obscurely.
    const usageDown = await fetch(`${open.url}/admin/usage`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(5000) })
    expect(usageDown.status).toBe(503)

    await redis.restart()
    await eventually(() => open.store.state().status === 'ok' && closed.store.state().status === 'ok', 10_000)
    let admittedSinceRestart = 0
    await eventually(async () => (await ask(closed)).status === 200 && ++admittedSinceRestart > 0, 10_000)

    // What the fail-open replica served during the outage reached Redis once it was back.
    await eventually(async () => {
      const res = await fetch(`${open.url}/admin/usage?group_by=key`, { headers: { authorization: `Bearer ${ADMIN}` } })
      const body = (await res.json()) as { total?: { requests: number } }
      return (body.total?.requests ?? 0) >= 4
    }, 10_000)

    // Shared enforcement is back: one rpm window in Redis counts for both replicas again.
    const after = await Promise.all([ask(open), ask(closed), ask(open), ask(closed)])
    expect(after.filter((r) => r.status === 200)).toHaveLength(3 - admittedSinceRestart)
  })
})
