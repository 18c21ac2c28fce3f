import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { ChatCompletion } from '../../providers/types.js'
import { createRedisClient, type RedisClient } from '../../store/redis.js'
import { type CacheEntry, type EntryFilter, type EntryMeta, type EntryStore, type StoreEvent } from './entry-store.js'
import { decodeVector, encodeVector, type VectorEncoding } from './vector-codec.js'

// Layout (one hash tag, so scripts and pipelines stay in one Redis Cluster slot):
//   {prefix}cache:{c}:e:<id>   hash: meta fields + `completion` (JSON), expires with the entry
//   {prefix}cache:{c}:z:<ns>   sorted set: entry ids of a namespace by expiry time (eviction order)
//   {prefix}cache:{c}:ns       set of namespaces
//   {prefix}cache:{c}:s        stream of changes (put / delete / clear) that replicas follow

const PUT_SCRIPT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
local evicted = {}
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if excess > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[3], excess)
  for i = 1, #popped, 2 do
    redis.call('DEL', ARGV[7] .. popped[i])
    evicted[#evicted + 1] = popped[i]
  end
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'origin', ARGV[6], 'type', 'put', 'id', ARGV[1])
if #evicted > 0 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'origin', ARGV[6], 'type', 'delete', 'ids', table.concat(evicted, ','))
end
return evicted
`

const META_FIELDS = ['namespace', 'model', 'scope', 'exact', 'embedder', 'vector', 'venc', 'query', 'expiresAt'] as const
const STREAM_MAXLEN = 100_000

export type RedisStoreOptions = {
  url: string
  keyPrefix: string
  commandTimeoutMs: number
  vectorEncoding: VectorEncoding
  /** How long a replica waits on the change stream per read; a new entry arrives as soon as it is written. */
  blockMs?: number
  onError?: (err: unknown, during: string) => void
}

export class RedisStore implements EntryStore {
  readonly kind = 'redis'
  private readonly client: RedisClient
  /** Blocking XREAD needs a connection of its own and a timeout longer than the block. */
  private readonly reader: RedisClient
  private readonly origin = randomBytes(8).toString('hex')
  private readonly keys: { entry: string; namespaces: string; zset: string; stream: string }
  private listener: (event: StoreEvent) => void = () => {}
  private lastId = '$'
  /** Set when the in-memory view may have missed changes (Redis unreachable at start or during sync). */
  private stale = false
  private closed = false
  private following?: Promise<void>

  constructor(private readonly opts: RedisStoreOptions) {
    this.client = createRedisClient(opts.url, { commandTimeoutMs: opts.commandTimeoutMs, name: 'switchyard-cache' })
    this.reader = createRedisClient(opts.url, { commandTimeoutMs: (opts.blockMs ?? 1000) + 5000, name: 'switchyard-cache-sync' })
    for (const c of [this.client, this.reader]) c.on('error', () => {})
    const base = `${opts.keyPrefix}cache:{c}:`
    this.keys = { entry: `${base}e:`, namespaces: `${base}ns`, zset: `${base}z:`, stream: `${base}s` }
    this.client.defineCommand('cachePut', { numberOfKeys: 4, lua: PUT_SCRIPT })
  }

  onChange(listener: (event: StoreEvent) => void): void {
    this.listener = listener
  }

  private async ready(client: RedisClient, timeoutMs = 2000): Promise<void> {
    if (client.status === 'ready') return
    await Promise.race([once(client, 'ready'), new Promise((_, reject) => setTimeout(() => reject(new Error('redis not ready')), timeoutMs).unref())])
  }

  /**
   * Reads every live entry's metadata, then follows the change stream from the point it was read.
   * With Redis unreachable it returns nothing and the follower reloads (a `reset` event) once it is back.
   */
  async load(): Promise<EntryMeta[]> {
    try {
      return await this.snapshot()
    } catch (err) {
      this.stale = true
      this.opts.onError?.(err, 'cache load')
      return []
    } finally {
      this.following ??= this.follow()
    }
  }

  private async snapshot(): Promise<EntryMeta[]> {
    await this.ready(this.client)
    const last = (await this.client.xrevrange(this.keys.stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>
    this.lastId = last[0]?.[0] ?? '0-0'
    return this.readAll()
  }

  private async readAll(): Promise<EntryMeta[]> {
    const now = Date.now()
    const metas: EntryMeta[] = []
    for (const namespace of await this.client.smembers(this.keys.namespaces)) {
      const ids = await this.client.zrangebyscore(this.keys.zset + namespace, now, '+inf')
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500)
        const pipeline = this.client.pipeline()
        for (const id of batch) pipeline.hmgetBuffer(this.keys.entry + id, ...META_FIELDS)
        const rows = (await pipeline.exec()) ?? []
        rows.forEach(([err, fields], j) => {
          const meta = err ? undefined : this.decodeMeta(batch[j]!, fields as Array<Buffer | null>)
          if (meta) metas.push(meta)
        })
      }
    }
    return metas
  }

  private decodeMeta(id: string, fields: Array<Buffer | null>): EntryMeta | undefined {
    const [namespace, model, scope, exact, embedder, vector, venc, query, expiresAt] = fields
    if (!namespace || !model || !scope || !exact || !expiresAt) return undefined
    return {
      id,
      namespace: namespace.toString(),
      model: model.toString(),
      scope: scope.toString(),
      exact: exact.toString(),
      embedder: embedder?.length ? embedder.toString() : undefined,
      vector: vector?.length ? decodeVector(vector, (venc?.toString() as VectorEncoding) || 'float32') : undefined,
      query: query?.length ? query.toString() : undefined,
      expiresAt: Number(expiresAt.toString()),
    }
  }

  async put(entry: CacheEntry, maxEntries: number): Promise<void> {
    await this.ready(this.client, 1000)
    const fields: Array<string | Buffer> = [
      'namespace', entry.namespace,
      'model', entry.model,
      'scope', entry.scope,
      'exact', entry.exact,
      'expiresAt', String(entry.expiresAt),
      'completion', JSON.stringify(entry.completion),
    ]
    if (entry.embedder && entry.vector)
      fields.push('embedder', entry.embedder, 'vector', encodeVector(entry.vector, this.opts.vectorEncoding), 'venc', this.opts.vectorEncoding)
    if (entry.query !== undefined) fields.push('query', entry.query)
    const client = this.client as RedisClient & { cachePut(...args: Array<string | number | Buffer>): Promise<string[]> }
    const evicted = await client.cachePut(
      this.keys.entry + entry.id,
      this.keys.namespaces,
      this.keys.zset + entry.namespace,
      this.keys.stream,
      entry.id,
      entry.namespace,
      entry.expiresAt,
      Date.now(),
      maxEntries,
      this.origin,
      this.keys.entry,
      STREAM_MAXLEN,
      ...fields,
    )
    this.listener({ type: 'put', meta: entry })
    if (evicted.length > 0) this.listener({ type: 'delete', ids: evicted })
  }

  async completion(id: string): Promise<ChatCompletion | undefined> {
    const json = await this.client.hget(this.keys.entry + id, 'completion')
    return json ? (JSON.parse(json) as ChatCompletion) : undefined
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return
    const namespaces = await this.client.smembers(this.keys.namespaces)
    const pipeline = this.client.pipeline()
    pipeline.del(...ids.map((id) => this.keys.entry + id))
    for (const ns of namespaces) pipeline.zrem(this.keys.zset + ns, ...ids)
    pipeline.xadd(this.keys.stream, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'origin', this.origin, 'type', 'delete', 'ids', ids.join(','))
    await pipeline.exec()
    this.listener({ type: 'delete', ids })
  }

  async clear(filter: EntryFilter): Promise<number> {
    const namespaces = filter.namespace !== undefined ? [filter.namespace] : await this.client.smembers(this.keys.namespaces)
    let removed = 0
    for (const namespace of namespaces) {
      const ids = await this.client.zrange(this.keys.zset + namespace, '0', '-1')
      let matching = ids
      if (filter.model !== undefined && ids.length > 0) {
        const pipeline = this.client.pipeline()
        for (const id of ids) pipeline.hget(this.keys.entry + id, 'model')
        const models = (await pipeline.exec()) ?? []
        matching = ids.filter((_, i) => models[i]?.[1] === filter.model)
      }
      for (let i = 0; i < matching.length; i += 500) {
        const batch = matching.slice(i, i + 500)
        await this.client
          .pipeline()
          .del(...batch.map((id) => this.keys.entry + id))
          .zrem(this.keys.zset + namespace, ...batch)
          .exec()
      }
      removed += matching.length
    }
    await this.client.xadd(this.keys.stream, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'origin', this.origin, 'type', 'clear', 'filter', JSON.stringify(filter))
    this.listener({ type: 'clear', filter })
    return removed
  }

  /** Applies other replicas' changes as they are written; after an outage, reloads everything. */
  private async follow(): Promise<void> {
    let reported = false
    while (!this.closed) {
      try {
        await this.ready(this.reader, 5000)
        if (this.stale) {
          const metas = await this.snapshot()
          this.stale = false
          reported = false
          this.listener({ type: 'reset', metas })
        }
        const res = (await this.reader.xread('BLOCK', this.opts.blockMs ?? 1000, 'STREAMS', this.keys.stream, this.lastId)) as Array<[string, Array<[string, string[]]>]> | null
        for (const [, messages] of res ?? []) for (const [id, fields] of messages) {
          this.lastId = id
          await this.apply(fields)
        }
      } catch (err) {
        if (this.closed) return
        if (!reported) this.opts.onError?.(err, 'cache sync')
        reported = true
        this.stale = true
        await new Promise((r) => setTimeout(r, 250).unref())
      }
    }
  }

  private async apply(fields: string[]): Promise<void> {
    const f: Record<string, string> = {}
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!
    if (f.origin === this.origin) return
    if (f.type === 'put' && f.id) {
      const meta = this.decodeMeta(f.id, (await this.client.hmgetBuffer(this.keys.entry + f.id, ...META_FIELDS)) as Array<Buffer | null>)
      if (meta) this.listener({ type: 'put', meta })
    } else if (f.type === 'delete' && f.ids) this.listener({ type: 'delete', ids: f.ids.split(',') })
    else if (f.type === 'clear' && f.filter) this.listener({ type: 'clear', filter: JSON.parse(f.filter) as EntryFilter })
  }

  async close(): Promise<void> {
    this.closed = true
    this.reader.disconnect()
    await this.following
    await this.client.quit().catch(() => this.client.disconnect())
  }
}

