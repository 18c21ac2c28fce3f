import { EventEmitter } from 'node:events'
import { createRedisClient, type RedisClient } from './redis.js'

export type StoreConfig = { redis_url: string; command_timeout_ms: number; key_prefix: string }

/** What /readyz reports: `memory` is one replica without Redis; `degraded` means Redis is unreachable or failing. */
export type StoreState = { backend: 'memory' | 'redis'; status: 'ok' | 'degraded'; since: number; reason?: string }

export type StoreLogger = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }

/**
 * The shared state behind keys, limits and usage: Redis when `store.redis_url` is set, else this process.
 * Replicas sharing one Redis behave as one gateway. Nothing here throws on a dead Redis: commands fail fast
 * (command timeout, no offline queue), the clients reconnect by themselves, and `state()` says what is going on.
 */
export interface Store {
  readonly backend: 'memory' | 'redis'
  /** Prefix of every Redis key this gateway writes (`store.key_prefix`). */
  readonly prefix: string
  /**
   * The command client; undefined in memory mode. Its own command timeout is only a backstop (4× the
   * configured one, at least 1 s): wrap calls in `timed` for `store.command_timeout_ms`.
   */
  readonly redis: RedisClient | undefined
  /**
   * Rejects with StoreTimeout once `store.command_timeout_ms` has passed without a reply. When the timer fires,
   * replies already waiting in the socket get one more I/O turn first, so a busy event loop alone (a burst
   * of requests) cannot turn a prompt reply into a timeout and a needless fallback.
   */
  timed<T>(op: Promise<T>): Promise<T>
  state(): StoreState
  /** Resolves true once Redis is connected (at once in memory mode), false if it is not within `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>
  /** Callers report command outcomes so a Redis that is connected but timing out also counts as degraded. */
  reportFailure(err: unknown): void
  reportSuccess(): void
  /** Broadcast to every replica (Redis pub/sub; this process only in memory mode). Never throws. */
  publish(channel: string, message: string): Promise<void>
  subscribe(channel: string, onMessage: (message: string) => void): () => void
  /** Runs each time Redis becomes usable again: subscribers may have missed messages, queued writes can flush. */
  onRecover(listener: () => void): () => void
  /** Per-store singletons for the in-memory implementations (keys, counters, usage share one store's state). */
  local<T>(name: string, create: () => T): T
  close(): Promise<void>
}

const FAILURE_HOLD_MS = 2000

export class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`store command timed out after ${ms} ms`)
  }
}

function timedBy(ms: number) {
  return function timed<T>(op: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false
      let timer: NodeJS.Timeout | undefined
      // The client writes a tick's commands in the check phase (auto-pipelining); the clock starts after that
      // write, so the time the event loop spent on other work before it is not counted against Redis.
      setImmediate(() => {
        if (done) return
        timer = setTimeout(
          () =>
            setImmediate(() => {
              if (done) return
              done = true
              reject(new StoreTimeout(ms))
            }),
          ms,
        )
      })
      op.then(
        (value) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resolve(value)
        },
        (err: unknown) => {
          if (done) return
          done = true
          clearTimeout(timer)
          reject(err)
        },
      )
    })
  }
}

export function createStore(cfg: StoreConfig, opts: { logger?: StoreLogger; name?: string } = {}): Store {
  return cfg.redis_url ? createRedisStore(cfg, opts) : createMemoryStore(cfg.key_prefix)
}

function createMemoryStore(prefix: string): Store {
  const bus = new EventEmitter().setMaxListeners(0)
  const locals = new Map<string, unknown>()
  const since = Date.now()
  return {
    backend: 'memory',
    prefix,
    redis: undefined,
    timed: (op) => op,
    state: () => ({ backend: 'memory', status: 'ok', since }),
    ready: async () => true,
    reportFailure: () => undefined,
    reportSuccess: () => undefined,
    async publish(channel, message) {
      bus.emit(channel, message)
    },
    subscribe(channel, onMessage) {
      bus.on(channel, onMessage)
      return () => bus.off(channel, onMessage)
    },
    onRecover: () => () => undefined,
    local<T>(name: string, create: () => T): T {
      if (!locals.has(name)) locals.set(name, create())
      return locals.get(name) as T
    },
    async close() {
      bus.removeAllListeners()
    },
  }
}

function createRedisStore(cfg: StoreConfig, opts: { logger?: StoreLogger; name?: string }): Store {
  const name = opts.name ?? 'switchyard'
  const client = createRedisClient(cfg.redis_url, { commandTimeoutMs: Math.max(1000, cfg.command_timeout_ms * 4), name })
  // Subscriptions need a connection of their own; it is created on first use.
  let subscriber: RedisClient | undefined
  const handlers = new Map<string, Set<(message: string) => void>>()
  const recoverListeners = new Set<() => void>()
  const locals = new Map<string, unknown>()
  let status: 'ok' | 'degraded' = 'degraded'
  let since = Date.now()
  let reason: string | undefined = 'connecting'
  let lastFailureAt = 0
  let closed = false

  const setStatus = (next: 'ok' | 'degraded', why?: string) => {
    if (next === status) return
    status = next
    since = Date.now()
    reason = why
    if (next === 'degraded') opts.logger?.warn({ store: 'redis', reason: why }, 'store degraded: Redis unreachable, using the fallback')
    else opts.logger?.info({ store: 'redis' }, 'store recovered: Redis reachable')
  }
  const recovered = () => {
    lastFailureAt = 0
    setStatus('ok')
    for (const l of recoverListeners) l()
  }

  // An 'error' event without a listener would crash the process; state changes are logged once instead.
  client.on('error', (err: Error) => setStatus('degraded', err.message))
  client.on('close', () => !closed && setStatus('degraded', 'connection closed'))
  client.on('ready', recovered)

  const ensureSubscriber = (): RedisClient => {
    if (subscriber) return subscriber
    const sub = createRedisClient(cfg.redis_url, { commandTimeoutMs: Math.max(cfg.command_timeout_ms, 1000), name: `${name}:sub` })
    sub.on('error', () => undefined)
    // Messages published while this connection was down are lost: resubscribe, then let listeners resync.
    sub.on('ready', () => {
      const channels = [...handlers.keys()]
      if (channels.length === 0) return
      sub.subscribe(...channels).then(
        () => {
          for (const l of recoverListeners) l()
        },
        () => undefined,
      )
    })
    sub.on('message', (channel: string, message: string) => {
      for (const h of handlers.get(channel) ?? []) h(message)
    })
    subscriber = sub
    return sub
  }

  return {
    backend: 'redis',
    prefix: cfg.key_prefix,
    redis: client,
    timed: timedBy(cfg.command_timeout_ms),
    state() {
      const failing = lastFailureAt > 0 && Date.now() - lastFailureAt < FAILURE_HOLD_MS
      if (status === 'ok' && failing) return { backend: 'redis', status: 'degraded', since: lastFailureAt, reason: 'commands failing' }
      return { backend: 'redis', status, since, reason }
    },
    ready(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve(true)
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer)
          client.off('ready', onReady)
          resolve(ok)
        }
        const onReady = () => done(true)
        const timer = setTimeout(() => done(false), timeoutMs)
        client.on('ready', onReady)
      })
    },
    reportFailure(err) {
      if (lastFailureAt === 0) opts.logger?.warn({ store: 'redis', reason: (err as Error)?.message }, 'store command failed')
      lastFailureAt = Date.now()
    },
    reportSuccess() {
      lastFailureAt = 0
    },
    async publish(channel, message) {
      await client.publish(channel, message).catch(() => undefined)
    },
    subscribe(channel, onMessage) {
      const sub = ensureSubscriber()
      let set = handlers.get(channel)
      if (!set) {
        set = new Set()
        handlers.set(channel, set)
        if (sub.status === 'ready') sub.subscribe(channel).catch(() => undefined)
      }
      set.add(onMessage)
      return () => {
        set.delete(onMessage)
        if (set.size === 0) {
          handlers.delete(channel)
          if (sub.status === 'ready') sub.unsubscribe(channel).catch(() => undefined)
        }
      }
    },
    onRecover(listener) {
      recoverListeners.add(listener)
      return () => recoverListeners.delete(listener)
    },
    local<T>(key: string, create: () => T): T {
      if (!locals.has(key)) locals.set(key, create())
      return locals.get(key) as T
    },
    async close() {
      closed = true
      recoverListeners.clear()
      handlers.clear()
      client.disconnect()
      subscriber?.disconnect()
    },
  }
}
