import { Redis, Cluster, type RedisOptions } from 'ioredis'

export type RedisClient = Redis | Cluster

/**
 * Builds an ioredis client from one URL:
 *   redis://[:password@]host:port[/db], rediss://… (TLS)
 *   redis+sentinel://[:password@]host1:port,host2:port/master-name[/db]
 *   redis+cluster://[:password@]host1:port,host2:port
 * Commands fail fast (commandTimeout, no offline queue) so a request never waits on a dead Redis;
 * the client reconnects by itself.
 */
export function createRedisClient(url: string, opts: { commandTimeoutMs: number; name?: string }): RedisClient {
  const base: RedisOptions = {
    commandTimeout: opts.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    lazyConnect: false,
    connectionName: opts.name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  }
  const u = new URL(url)
  const password = u.password ? decodeURIComponent(u.password) : undefined
  const username = u.username ? decodeURIComponent(u.username) : undefined
  const hosts = u.host.split(',').map((h) => {
    const [host, port] = h.split(':')
    return { host: host || '127.0.0.1', port: Number(port || 6379) }
  })
  if (u.protocol === 'redis+sentinel:' || u.protocol === 'sentinel:') {
    const [name, db] = u.pathname.replace(/^\//, '').split('/')
    return new Redis({ ...base, sentinels: hosts, name: name || 'mymaster', password, username, db: db ? Number(db) : 0 })
  }
  if (u.protocol === 'redis+cluster:' || u.protocol === 'cluster:') {
    return new Cluster(hosts, { redisOptions: { ...base, password, username }, enableOfflineQueue: false })
  }
  return new Redis(url, base)
}
