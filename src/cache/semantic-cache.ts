import { randomBytes } from 'node:crypto'
import type { Config } from '../config/schema.js'
import type { ChatCompletion, ChatRequest } from '../providers/types.js'
import type { Logger } from '../telemetry/logger.js'
import { CacheIndex, partitionKey } from './cache-index.js'
import { DEFAULT_RULES, readCalibrations, type Calibration } from './calibration.js'
import { mergeCacheConfig, type CacheConfig, type EmbeddingConfig } from './config.js'
import type { Embedder } from './embedding/embedder.js'
import { embeddingSpecKey, loadEmbedder } from './embedding/load-embedder.js'
import { requestKeys, type RequestKeys } from './request-keys.js'
import type { EntryFilter, EntryStore } from './store/entry-store.js'
import { MemoryStore } from './store/memory-store.js'
import { RedisStore } from './store/redis-store.js'
import { extractFeatures } from './verify/text-features.js'
import { verifyCandidate, type VerifyRules } from './verify/verify-candidate.js'
import { englishWordRanks } from './verify/word-ranks.js'

export type LookupRequest = {
  request: Readonly<ChatRequest>
  /** The model's effective cache config (c.get('model').cache). */
  config: CacheConfig
  /** Tenant partition, see namespaceFor(). */
  namespace: string
  /** Guardrail policy id: answers screened under one policy never serve another. */
  policyId: string
  /** no-cache / refresh: do not look up, only prepare the store. */
  skipLookup?: boolean
  /** Per-request x-switchyard-cache-threshold. */
  threshold?: number
}

/** Everything a lookup worked out, reused to store the answer afterwards. */
export type Probe = {
  keys: RequestKeys
  namespace: string
  model: string
  config: CacheConfig
  /** Whether the last user message may be matched (and stored) semantically. */
  semantic: boolean
  /** The query embedding, computed at most once (during lookup, or when storing after a skipped lookup). */
  embedding(): Promise<{ embedder: string; vector: Float32Array } | undefined>
}

export type Lookup =
  | { result: 'hit'; completion: ChatCompletion; probe: Probe; lookupMs: number }
  | { result: 'semantic-hit'; completion: ChatCompletion; score: number; probe: Probe; lookupMs: number }
  | { result: 'miss'; probe: Probe; lookupMs: number; reason?: 'budget' | 'error' }

export interface SemanticCache {
  /** Resolves once the index has been rebuilt from the store and the configured embedders are loaded. */
  readonly ready: Promise<void>
  readonly storeKind: 'redis' | 'memory'
  /** Never throws and never takes longer than config.lookup_budget_ms (a slow lookup is a miss). */
  lookup(req: LookupRequest): Promise<Lookup>
  /** Stores an answer the caller received; failures are logged, never thrown. */
  store(probe: Probe, completion: ChatCompletion, ttlSeconds: number): Promise<void>
  /** DELETE /admin/cache: removes entries by namespace and/or model on every replica. */
  clear(filter: EntryFilter): Promise<number>
  stats(): { entries: number; partitions: number }
  close(): Promise<void>
}

export type SemanticCacheDeps = {
  logger?: Pick<Logger, 'warn' | 'info'>
  /** A store to use instead of the one store.redis_url selects (tests, benchmarks). */
  store?: EntryStore
  /** Embedders by spec key, already loaded (tests, benchmarks). */
  embedders?: Map<string, Embedder>
  calibrations?: Record<string, Calibration>
  now?: () => number
}

/** `owned`: loaded here (closed with the cache), not handed in through deps. */
type EmbedderSlot = { embedder?: Embedder; owned: boolean; loading: Promise<Embedder | undefined>; threshold?: number; rules: VerifyRules }

const SWEEP_INTERVAL_MS = 30_000

/**
 * Builds the cache from the whole config: the global `cache:` block, every model's override (their
 * embedding models start loading now), and `store:`. Returns at once; `ready` resolves when the
 * embedders are loaded and the index is rebuilt from the store (lookups before that are misses).
 * Meant to live as long as the process: per-request settings come from each request's model config,
 * and an embedding model first named by a reloaded config is loaded on first use.
 */
export function createSemanticCache(config: Pick<Config, 'cache' | 'models' | 'store'>, deps: SemanticCacheDeps = {}): SemanticCache {
  const now = deps.now ?? Date.now
  const log = deps.logger
  const calibrations = deps.calibrations ?? readCalibrations()
  const effective = [config.cache, ...config.models.map((m) => mergeCacheConfig(config.cache, m.cache))]
  const ranks = englishWordRanks()
  const index = new CacheIndex(ranks, Math.min(...effective.map((c) => c.semantic.hnsw_min_entries)))
  const store: EntryStore =
    deps.store ??
    (config.store.redis_url
      ? new RedisStore({
          url: config.store.redis_url,
          keyPrefix: config.store.key_prefix,
          commandTimeoutMs: config.store.command_timeout_ms,
          vectorEncoding: config.cache.vector_encoding,
          onError: (err, during) => log?.warn({ err: String(err) }, `${during}: redis unavailable, cache keeps serving from memory`),
        })
      : new MemoryStore(now))
  store.onChange((event) => index.apply(event))

  const embedders = new Map<string, EmbedderSlot>()
  function slotFor(spec: EmbeddingConfig): EmbedderSlot {
    const key = embeddingSpecKey(spec)
    let slot = embedders.get(key)
    if (slot) return slot
    const preloaded = deps.embedders?.get(key)
    const created: EmbedderSlot = { rules: DEFAULT_RULES, owned: !preloaded, loading: Promise.resolve(undefined) }
    created.loading = (preloaded ? Promise.resolve(preloaded) : loadEmbedder(spec)).then(
      (embedder) => {
        const calibration = calibrations[embedder.id]
        created.embedder = embedder
        created.threshold = calibration?.threshold
        created.rules = calibration?.rules ?? DEFAULT_RULES
        if (!calibration) log?.warn({ embedder: embedder.id }, 'cache: embedding model has no calibration; semantic lookups need cache.semantic.threshold')
        return embedder
      },
      (err: unknown) => {
        log?.warn({ err: String(err), kind: spec.kind }, 'cache: embedding model failed to load; semantic cache off for it')
        return undefined
      },
    )
    embedders.set(key, (slot = created))
    return slot
  }
  for (const c of effective) if (c.enabled && c.semantic.enabled) slotFor(c.semantic.embedding)

  const ready = (async () => {
    await Promise.all([...embedders.values()].map((s) => s.loading))
    for (const meta of await store.load()) index.add(meta)
  })()
  const sweeper = setInterval(() => index.sweep(now()), SWEEP_INTERVAL_MS)
  sweeper.unref()

  function makeProbe(req: LookupRequest): Probe {
    const keys = requestKeys(req.request, req.namespace, req.policyId)
    const semantic = req.config.semantic.enabled && keys.query !== undefined && keys.userTurns <= req.config.semantic.max_turns
    const slot = semantic ? slotFor(req.config.semantic.embedding) : undefined
    let embedding: Promise<{ embedder: string; vector: Float32Array } | undefined> | undefined
    return {
      keys,
      namespace: req.namespace,
      model: req.request.model,
      config: req.config,
      semantic,
      embedding() {
        embedding ??= (async () => {
          // Still loading at startup: a lookup gives up at its budget anyway, a store waits for it.
          const embedder = slot?.embedder ?? (await slot?.loading)
          if (!embedder || keys.query === undefined) return undefined
          const [vector] = await embedder.embed([keys.query])
          return { embedder: embedder.id, vector: vector! }
        })()
        return embedding
      },
    }
  }

  async function find(req: LookupRequest, probe: Probe): Promise<Lookup | undefined> {
    const t = now()
    if (req.config.exact.enabled) {
      const meta = index.exactMatch(probe.keys.exact, t)
      const completion = meta && (await store.completion(meta.id))
      if (completion) return { result: 'hit', completion, probe, lookupMs: 0 }
    }
    if (!probe.semantic) return undefined
    const slot = slotFor(req.config.semantic.embedding)
    const threshold = req.threshold ?? req.config.semantic.threshold ?? slot.threshold
    const embedded = threshold === undefined ? undefined : await probe.embedding()
    if (!embedded || threshold === undefined) return undefined
    const candidates = index.nearest(partitionKey(probe.namespace, probe.keys.scope, embedded.embedder), embedded.vector, req.config.semantic.candidates, t)
    if (candidates.length === 0 || candidates[0]!.score < threshold) return undefined
    const queryFeatures = extractFeatures(probe.keys.query!, ranks)
    for (const candidate of candidates) {
      if (candidate.score < threshold) break
      if (req.config.semantic.verify && !verifyCandidate(queryFeatures, candidate.features, slot.rules).ok) continue
      const completion = await store.completion(candidate.meta.id)
      if (completion) return { result: 'semantic-hit', completion, score: candidate.score, probe, lookupMs: 0 }
    }
    return undefined
  }

  async function lookup(req: LookupRequest): Promise<Lookup> {
    const started = performance.now()
    const probe = makeProbe(req)
    if (req.skipLookup) return { result: 'miss', probe, lookupMs: 0 }
    let timer: NodeJS.Timeout | undefined
    const budget = new Promise<'budget'>((resolve) => {
      timer = setTimeout(() => resolve('budget'), req.config.lookup_budget_ms)
    })
    try {
      const found = await Promise.race([find(req, probe), budget])
      const lookupMs = performance.now() - started
      if (found === 'budget') return { result: 'miss', probe, lookupMs, reason: 'budget' }
      return found ? { ...found, lookupMs } : { result: 'miss', probe, lookupMs }
    } catch (err) {
      log?.warn({ err: String(err) }, 'cache lookup failed; treated as a miss')
      return { result: 'miss', probe, lookupMs: performance.now() - started, reason: 'error' }
    } finally {
      clearTimeout(timer)
    }
  }

  async function storeAnswer(probe: Probe, completion: ChatCompletion, ttlSeconds: number): Promise<void> {
    try {
      const embedded = probe.semantic ? await probe.embedding() : undefined
      // no-cache / refresh answered a request that already had an entry: the new answer replaces it.
      const replaced = index.exactMatch(probe.keys.exact, 0)
      await store.put(
        {
          id: randomBytes(12).toString('base64url'),
          namespace: probe.namespace,
          model: probe.model,
          scope: probe.keys.scope,
          exact: probe.keys.exact,
          embedder: embedded?.embedder,
          vector: embedded?.vector,
          query: embedded ? probe.keys.query : undefined,
          expiresAt: now() + ttlSeconds * 1000,
          completion,
        },
        probe.config.max_entries_per_namespace,
      )
      if (replaced) await store.delete([replaced.id])
    } catch (err) {
      log?.warn({ err: String(err) }, 'cache store failed; answer not cached')
    }
  }

  return {
    ready,
    storeKind: store.kind,
    lookup,
    store: storeAnswer,
    clear: (filter) => store.clear(filter),
    stats: () => ({ entries: index.size, partitions: index.partitionCount }),
    async close() {
      clearInterval(sweeper)
      await ready.catch(() => {})
      await store.close()
      await Promise.all([...embedders.values()].map(async (s) => (s.owned ? s.embedder?.close() : undefined)))
    },
  }
}
