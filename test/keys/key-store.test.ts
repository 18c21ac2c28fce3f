import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/errors.js'
import { isModelAllowed } from '../../src/keys/grant.js'
import { createKeyStore, type KeyStore } from '../../src/keys/key-store.js'
import { chatDemand } from '../../src/limits/estimate-tokens.js'
import { createLimiter } from '../../src/limits/limiter.js'
import { StaleKey } from '../../src/limits/refusal.js'
import { limitsConfigSchema } from '../../src/limits/config.js'
import { createPricing } from '../../src/pricing/price-table.js'
import { createStore, type Store } from '../../src/store/store.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

let redis: RedisServer
const stores: Store[] = []
const keyStores: KeyStore[] = []
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  keyStores.forEach((k) => k.close())
  await Promise.all(stores.map((s) => s.close()))
  await redis.stop()
})

const noKeys = { auth: { mode: 'keys' as const, keys: [] } }
async function redisStore(opts: { deaf?: boolean } = {}): Promise<Store> {
  const store = createStore({ redis_url: redis.url, command_timeout_ms: 500, key_prefix: 'ks:' })
  await store.ready(5000)
  stores.push(store)
  // A replica that misses every announcement (a dropped pub/sub connection) must still refuse revoked keys.
  return opts.deaf ? { ...store, subscribe: () => () => undefined } : store
}
function keyStore(store: Store, config: Parameters<typeof createKeyStore>[0] = noKeys): KeyStore {
  const k = createKeyStore(config, store)
  keyStores.push(k)
  return k
}
const request = chatDemand({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
const limiterConfig = { limits: limitsConfigSchema.parse({}), models: [], providers: [] }

describe('key store', () => {
  it('authenticates static keys by hash and refuses others with 401', async () => {
    const store = createStore({ redis_url: '', command_timeout_ms: 50, key_prefix: 'm:' })
    const keys = keyStore(store, {
      auth: { mode: 'keys', keys: [{ key: 'sk-static-1', name: 'one', team: 't', models: ['gpt-*'], metadata: { a: 1 } }] },
    })
    const p = await keys.authenticate('sk-static-1')
    expect(p).toMatchObject({ id: 'static:one', name: 'one', team: 't', models: ['gpt-*'], metadata: { a: 1 } })
    expect(JSON.stringify(p)).not.toContain('sk-static-1')
    expect(isModelAllowed(p, 'gpt-4o')).toBe(true)
    expect(isModelAllowed(p, 'claude-3')).toBe(false)
    await expect(keys.authenticate('sk-static-2')).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' })
  })

  it('refuses two static keys with the same name or the same secret', () => {
    const store = createStore({ redis_url: '', command_timeout_ms: 50, key_prefix: 'm:' })
    const k = (key: string, name: string) => ({ key, name, models: ['*'], metadata: {} })
    expect(() => createKeyStore({ auth: { mode: 'keys', keys: [k('a', 'x'), k('b', 'x')] } }, store)).toThrow(/duplicate key name/)
    expect(() => createKeyStore({ auth: { mode: 'keys', keys: [k('a', 'x'), k('a', 'y')] } }, store)).toThrow(/also used/)
  })

  it('keeps virtual keys in memory when there is no Redis', async () => {
    const store = createStore({ redis_url: '', command_timeout_ms: 50, key_prefix: 'm:' })
    const keys = keyStore(store)
    const { key, view } = await keys.create({ name: 'local', models: ['*'], metadata: {} })
    expect((await keys.authenticate(key)).id).toBe(view.id)
    // Another key store on the same store (a config reload) sees it, and sees its revocation.
    const reloaded = keyStore(store)
    expect((await reloaded.authenticate(key)).id).toBe(view.id)
    await keys.revoke(view.id)
    await expect(reloaded.authenticate(key)).rejects.toBeInstanceOf(GatewayError)
  })

  it('refuses a revoked key at admission on a replica that missed the announcement', async () => {
    const storeA = await redisStore()
    const storeB = await redisStore({ deaf: true })
    const keysA = keyStore(storeA)
    const keysB = keyStore(storeB)
    const limiterB = createLimiter(limiterConfig, storeB, createPricing([]))
    const { key, view } = await keysA.create({ name: 'revoke-me', models: ['*'], metadata: {} })
    const cached = await keysB.authenticate(key)
    await (await limiterB.admit(cached, request, 'gpt-4o-mini')).settle({ free: true })

    await keysA.revoke(view.id)
    // B still has the record cached (it heard nothing), but the admission checks the record version in Redis.
    const stale = await keysB.authenticate(key)
    expect(stale).toBe(cached)
    await expect(limiterB.admit(stale, request, 'gpt-4o-mini')).rejects.toMatchObject({ status: 401 })
    await limiterB.close(0)
  })

  it('asks for a refresh when the record changed, and the refresh carries the new limits', async () => {
    const storeA = await redisStore()
    const storeB = await redisStore({ deaf: true })
    const keysA = keyStore(storeA)
    const keysB = keyStore(storeB)
    const limiterB = createLimiter(limiterConfig, storeB, createPricing([]))
    const { key, view } = await keysA.create({ name: 'change-me', models: ['*'], metadata: {} })
    const before = await keysB.authenticate(key)
    await keysA.update(view.id, { limits: { rpm: 7 }, models: ['gpt-4o-mini'] })
    await expect(limiterB.admit(before, request, 'gpt-4o-mini')).rejects.toBeInstanceOf(StaleKey)
    const after = await keysB.refresh(before)
    expect(after).toMatchObject({ id: view.id, limits: { rpm: 7 }, models: ['gpt-4o-mini'] })
    const admission = await limiterB.admit(after!, request, 'gpt-4o-mini')
    expect(admission.headers['x-ratelimit-limit-requests']).toBe('7')
    admission.settle({ free: true })
    await limiterB.close(0)
  })

  it('answers 503, not 401, when a key cannot be looked up because Redis is down', async () => {
    const store = createStore({ redis_url: 'redis://127.0.0.1:1', command_timeout_ms: 50, key_prefix: 'x:' })
    stores.push(store)
    const keys = keyStore(store)
    await expect(keys.authenticate('sk-sy-anything')).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
  })
})
