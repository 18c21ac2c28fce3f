import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyspace } from '../../src/store/keyspace.js'
import { parseRedisUrl } from '../../src/store/redis.js'
import { createStore, StoreTimeout, type Store } from '../../src/store/store.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'

let redis: RedisServer
const stores: Store[] = []
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()))
  await redis.stop()
})

const open = (url: string, timeout = 50) => {
  const s = createStore({ redis_url: url, command_timeout_ms: timeout, key_prefix: 'st:' })
  stores.push(s)
  return s
}
const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('store', () => {
  it('is in memory, one replica and always ok, without a redis_url', async () => {
    const s = createStore({ redis_url: '', command_timeout_ms: 50, key_prefix: 'sy:' })
    expect(s.backend).toBe('memory')
    expect(s.redis).toBeUndefined()
    expect(s.state()).toMatchObject({ backend: 'memory', status: 'ok' })
    const got: string[] = []
    s.subscribe('c', (m) => got.push(m))
    await s.publish('c', 'hello')
    expect(got).toEqual(['hello'])
    expect(s.local('x', () => ({ n: 1 }))).toBe(s.local('x', () => ({ n: 2 })))
  })

  it('starts degraded without crashing when Redis is unreachable, and never throws from publish', async () => {
    const s = open('redis://127.0.0.1:1')
    expect(await s.ready(200)).toBe(false)
    expect(s.state()).toMatchObject({ backend: 'redis', status: 'degraded' })
    await s.publish('c', 'lost')
    await expect(s.timed(s.redis!.get('k'))).rejects.toThrow()
  })

  it('reports degraded when Redis dies and recovers by itself when it is back', async () => {
    const s = open(redis.url)
    expect(await s.ready(5000)).toBe(true)
    expect(s.state().status).toBe('ok')
    let recovered = 0
    s.onRecover(() => recovered++)
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
    admin.on('error', () => undefined)
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
    admin.disconnect()
    await until(() => s.state().status === 'degraded')
    await expect(s.timed(s.redis!.get('k'))).rejects.toThrow()
    await redis.restart()
    await until(() => s.state().status === 'ok')
    expect(recovered).toBeGreaterThan(0)
    expect(await s.timed(s.redis!.set('k', 'v'))).toBe('OK')
  })

  it('times out a command on a stalled Redis after the configured time, and counts it as degraded', async () => {
    const s = open(redis.url, 100)
    await s.ready(5000)
    const admin = new Redis(redis.url)
    await admin.call('CLIENT', 'PAUSE', '500', 'ALL')
    const err = await s.timed(s.redis!.get('k')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreTimeout)
    s.reportFailure(err)
    expect(s.state().status).toBe('degraded')
    admin.disconnect()
    s.reportSuccess()
    expect(s.state().status).toBe('ok')
  })

  it('does not turn a reply delayed only by a busy event loop into a timeout', async () => {
    const s = open(redis.url, 20)
    await s.ready(5000)
    const pending = s.timed(s.redis!.ping())
    const busyUntil = Date.now() + 100
    while (Date.now() < busyUntil);
    await expect(pending).resolves.toBe('PONG')
  })

  it('delivers announcements to every replica subscribed to a channel', async () => {
    const a = open(redis.url)
    const b = open(redis.url)
    await Promise.all([a.ready(5000), b.ready(5000)])
    const got: string[] = []
    b.subscribe('st:chan', (m) => got.push(m))
    await until(() => (b as unknown as { redis: { status: string } }).redis.status === 'ready')
    // The subscription connection comes up asynchronously; repeat until one lands.
    await until(() => {
      void a.publish('st:chan', 'key_1')
      return got.includes('key_1')
    })
    expect(got).toContain('key_1')
  })

  it('names every key under one hash tag, so each script stays in one Cluster slot', () => {
    const ks = keyspace('sy:')
    const names = [ks.rpm('k:a'), ks.tpm('t:b'), ks.concurrency('k:a'), ks.budget('k:a', 'm2026-07'), ks.reservation('r1'), ks.usage('h', 1), ks.keyRecords, ks.keyHashes, ks.keyVersions]
    for (const n of names) expect(/^[^{]*\{([^}]*)\}/.exec(n)?.[1]).toBe('sy')
  })

  it('parses Sentinel and Cluster URLs with host lists and credentials', () => {
    expect(parseRedisUrl('redis+sentinel://:p%40ss@s1:26379,s2:26380/mymaster/2')).toEqual({
      protocol: 'redis+sentinel:',
      username: undefined,
      password: 'p@ss',
      hosts: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      path: 'mymaster/2',
    })
    expect(parseRedisUrl('redis+cluster://user:pw@[::1]:7000,10.0.0.2').hosts).toEqual([
      { host: '::1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
    ])
    expect(() => parseRedisUrl('not a url')).toThrow(/store.redis_url/)
  })
})
