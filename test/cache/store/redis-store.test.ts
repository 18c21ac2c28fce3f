import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CacheEntry, StoreEvent } from '../../../src/cache/store/entry-store.js'
import { RedisStore } from '../../../src/cache/store/redis-store.js'
import { createRedisClient } from '../../../src/store/redis.js'
import { freePort, startRedisServer, type RedisServer } from '../../helpers/redis-server.js'

let redis: RedisServer
const stores: RedisStore[] = []
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(() => redis.stop())
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
})

let prefixes = 0
function newStore(prefix: string, encoding: 'float16' | 'float32' = 'float16'): RedisStore {
  const store = new RedisStore({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 500, vectorEncoding: encoding, blockMs: 200 })
  stores.push(store)
  return store
}
const freshPrefix = () => `t${prefixes++}:`

function entry(id: string, over: Partial<CacheEntry> = {}): CacheEntry {
  return {
    id,
    namespace: 'key:k1',
    model: 'gpt-4o-mini',
    scope: 'scope-hash',
    exact: `exact-${id}`,
    embedder: 'test:1',
    vector: Float32Array.from([0.6, 0.8, 0, 0]),
    query: 'what is the capital of france',
    expiresAt: Date.now() + 60_000,
    completion: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: `answer ${id}` }, finish_reason: 'stop' }] },
    ...over,
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  return check()
}

describe('Redis entry store', () => {
  it('stores entries with binary vectors and a TTL, and rebuilds them at start', async () => {
    const prefix = freshPrefix()
    const a = newStore(prefix)
    await a.load()
    await a.put(entry('e1'), 100)
    expect((await a.completion('e1'))?.choices[0]?.message.content).toBe('answer e1')
    const raw = createRedisClient(redis.url, { commandTimeoutMs: 500 })
    await new Promise((resolve) => raw.once('ready', resolve))
    const key = `${prefix}cache:{c}:e:e1`
    expect(await raw.pttl(key)).toBeGreaterThan(50_000)
    expect((await raw.hgetBuffer(key, 'vector'))!.length).toBe(8) // 4 dims × float16
    expect(await raw.hget(key, 'completion')).toContain('answer e1')
    raw.disconnect()
    const restarted = newStore(prefix)
    const metas = await restarted.load()
    expect(metas).toHaveLength(1)
    expect(metas[0]!.query).toBe('what is the capital of france')
    expect(metas[0]!.vector![1]).toBeCloseTo(0.8, 3)
    expect(metas[0]!.expiresAt).toBeGreaterThan(Date.now())
  })

  it('keeps float32 vectors exactly when configured', async () => {
    const prefix = freshPrefix()
    await newStore(prefix, 'float32').put(entry('e1', { vector: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }), 100)
    const [meta] = await newStore(prefix, 'float32').load()
    expect([...meta!.vector!]).toEqual([...Float32Array.from([0.1, 0.2, 0.3, 0.4])])
  })

  it('evicts beyond max entries per namespace, closest to expiry first, and tells listeners', async () => {
    const store = newStore(freshPrefix())
    const events: StoreEvent[] = []
    store.onChange((e) => events.push(e))
    await store.load()
    const now = Date.now()
    await store.put(entry('late', { expiresAt: now + 90_000 }), 2)
    await store.put(entry('soon', { expiresAt: now + 10_000 }), 2)
    await store.put(entry('other-ns', { namespace: 'key:k2', expiresAt: now + 5_000 }), 2)
    await store.put(entry('mid', { expiresAt: now + 50_000 }), 2)
    expect(await store.completion('soon')).toBeUndefined()
    expect(await store.completion('late')).toBeDefined()
    expect(await store.completion('other-ns')).toBeDefined()
    expect(events).toContainEqual({ type: 'delete', ids: ['soon'] })
  })

  it('clears by model or by namespace', async () => {
    const prefix = freshPrefix()
    const store = newStore(prefix)
    await store.load()
    await store.put(entry('a', { model: 'm1' }), 100)
    await store.put(entry('b', { model: 'm2' }), 100)
    await store.put(entry('c', { model: 'm1', namespace: 'team:t' }), 100)
    expect(await store.clear({ model: 'm1' })).toBe(2)
    expect(await store.completion('b')).toBeDefined()
    expect(await store.clear({ namespace: 'key:k1' })).toBe(1)
    expect(await newStore(prefix).load()).toEqual([])
  })

  it('a second replica sees puts, deletes and clears through the stream', async () => {
    const prefix = freshPrefix()
    const a = newStore(prefix)
    const b = newStore(prefix)
    const seen: StoreEvent[] = []
    b.onChange((e) => seen.push(e))
    await a.load()
    await b.load()
    await a.put(entry('x1'), 100)
    expect(await until(() => seen.some((e) => e.type === 'put' && e.meta.id === 'x1'))).toBe(true)
    await a.delete(['x1'])
    expect(await until(() => seen.some((e) => e.type === 'delete' && e.ids.includes('x1')))).toBe(true)
    await a.clear({ model: 'gpt-4o-mini' })
    expect(await until(() => seen.some((e) => e.type === 'clear'))).toBe(true)
  })

  it('fails fast when Redis is unreachable: an empty load, a rejected put', async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: freshPrefix(), commandTimeoutMs: 100, vectorEncoding: 'float16', blockMs: 200 })
    stores.push(store)
    expect(await store.load()).toEqual([])
    await expect(store.put(entry('e1'), 100)).rejects.toThrow()
    await expect(store.completion('e1')).rejects.toThrow()
  })

  it('reloads everything (a reset) after losing the connection to Redis', async () => {
    const prefix = freshPrefix()
    const store = newStore(prefix)
    const events: StoreEvent[] = []
    store.onChange((e) => events.push(e))
    await store.load()
    await store.put(entry('before'), 100)
    await redis.restart() // no persistence: the restarted server is empty
    expect(await until(() => events.some((e) => e.type === 'reset'))).toBe(true)
    expect(events.find((e) => e.type === 'reset')).toEqual({ type: 'reset', metas: [] })
  })
})
