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
    // Commands issued in one tick go out in one write: a request's admission carries the settles before it.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    lazyConnect: false,
    connectionName: opts.name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  }
  const u = parseRedisUrl(url)
  const { password, username, hosts } = u
  if (u.protocol === 'redis+sentinel:' || u.protocol === 'sentinel:') {
    const [name, db] = u.path.split('/')
    return new Redis({ ...base, sentinels: hosts, name: name || 'mymaster', password, username, db: db ? Number(db) : 0 })
  }
  if (u.protocol === 'redis+cluster:' || u.protocol === 'cluster:') {
    return new Cluster(hosts, { redisOptions: { ...base, password, username }, enableOfflineQueue: false, enableAutoPipelining: true })
  }
  return new Redis(url, base)
}

/**
 * Splits a Redis URL by hand: WHATWG URL parsing rejects the comma-separated host lists of Sentinel and
 * Cluster URLs (`h1:26379,h2:26379` is not a valid port).
 */
export function parseRedisUrl(url: string): {
  protocol: string
  username: string | undefined
  password: string | undefined
  hosts: Array<{ host: string; port: number }>
  path: string
} {
  const m = /^([a-z][a-z0-9+.-]*:)\/\/(?:([^@/]*)@)?([^/?#]*)(?:\/([^?#]*))?/i.exec(url)
  if (!m) throw new Error('store.redis_url: not a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL')
  const [, protocol, auth, hostList, path] = m
  const colon = auth ? auth.indexOf(':') : -1
  const username = auth ? decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined : undefined
  const password = auth && colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) || undefined : undefined
  const hosts = hostList!.split(',').map((h) => {
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(h)
    if (bracket) return { host: bracket[1]!, port: Number(bracket[2] ?? 6379) }
    const [host, port] = h.split(':')
    return { host: host || '127.0.0.1', port: Number(port || 6379) }
  })
  return { protocol: protocol!.toLowerCase(), username, password, hosts, path: path ?? '' }
}
