import { mergeCacheConfig } from './cache/config.js'
import { createSemanticCache, type SemanticCache } from './cache/semantic-cache.js'
import type { Config } from './config/schema.js'
import { mergeGuardrailsConfig } from './guardrails/config.js'
import { loadGuardrailModels } from './guardrails/models.js'
import { GuardrailPolicies } from './guardrails/policy.js'
import { createKeyStore, type KeyStore } from './keys/key-store.js'
import { createLimiter, type Limiter } from './limits/limiter.js'
import { createUsage, type UsageReader } from './limits/usage.js'
import type { ModelTable } from './middleware/api.js'
import { loadPricing } from './pricing/load-pricing.js'
import type { Pricing } from './pricing/price-table.js'
import { createProvider } from './providers/registry.js'
import type { Provider } from './providers/types.js'
import type { ResolvedModel } from './routing/resolved-model.js'
import { Router, type RouterHooks } from './routing/router.js'
import { createStore, type Store } from './store/store.js'
import type { Logger } from './telemetry/logger.js'

/** Everything compiled from one config load. A reload builds a new one and swaps it in atomically. */
export type Runtime = {
  config: Config
  configDir: string
  logger: Logger
  providers: ReadonlyMap<string, Provider>
  models: ModelTable
  /** The price table of this config load (pricing_file rows, then inline `pricing:` rows). */
  pricing: Pricing
  /** Long-lived: the same Router across reloads, so circuits, latency and in-flight counts survive them. */
  router: Router
  /** Redis (or in-memory) state shared by keys, limits, usage; kept across reloads while `store:` is unchanged. */
  store: Store
  keys: KeyStore
  limiter: Limiter
  usage: UsageReader
  /** Compiled guardrail policies (the models behind them are loaded once per process). */
  guardrails: GuardrailPolicies
  /** Long-lived like the router: its index and embedders survive reloads. Undefined while no model has the cache on. */
  cache: SemanticCache | undefined
  close(): Promise<void>
}

type ProviderPool = Map<string, { json: string; provider: Provider }>

/**
 * Compiles a config. Providers whose config did not change are carried over from `previous` (their
 * connection pools and loaded llama models survive a reload); the rest are created, and the old ones
 * closed only once the previous runtime is retired.
 */
export function compileRuntime(
  config: Config,
  opts: { configDir: string; logger: Logger; previous?: Runtime; routerHooks?: RouterHooks },
): Runtime {
  const pool: ProviderPool = (opts.previous as RuntimeInternal | undefined)?.pool ?? new Map()
  const providers = new Map<string, Provider>()
  const kept = new Set<string>()
  for (const cfg of config.providers) {
    const json = JSON.stringify(cfg)
    const existing = pool.get(cfg.name)
    const provider = existing && existing.json === json ? existing.provider : createProvider(cfg)
    providers.set(cfg.name, provider)
    kept.add(cfg.name)
    if (!existing || existing.json !== json) pool.set(cfg.name, { json, provider })
  }
  const pricing = loadPricing(config, opts.configDir)
  // Budgets are spent in USD: a target without a price would be served free of charge against every budget.
  const providerTypes = new Map(config.providers.map((p) => [p.name, p.type]))
  for (const m of config.models)
    for (const t of m.targets)
      if (!pricing.lookup(t.model, providerTypes.get(t.provider)))
        opts.logger.warn({ model: m.name, target: `${t.provider}/${t.model}` }, `no price for ${t.model} in the pricing table: its requests cost nothing against budgets; add a pricing row`)
  const router = opts.previous?.router ?? new Router({ hooks: opts.routerHooks, logger: opts.logger })
  const routes = router.compile(config.models, providers, pricing)
  const models = new Map<string, ResolvedModel>()
  for (const m of config.models) {
    models.set(m.name, {
      name: m.name,
      config: m,
      guardrails: mergeGuardrailsConfig(config.guardrails, m.guardrails),
      cache: mergeCacheConfig(config.cache, m.cache),
      route: routes.get(m.name)!,
    })
  }
  const retired: Array<{ close(): Promise<void> | void }> = [...(opts.previous?.providers ?? new Map()).entries()]
    .filter(([name, p]) => providers.get(name) !== p)
    .map(([, p]) => p)
  const previous = opts.previous as RuntimeInternal | undefined
  const storeJson = JSON.stringify(config.store)
  const keepStore = previous !== undefined && previous.storeJson === storeJson
  const store = keepStore ? previous.store : createStore(config.store, { logger: opts.logger })
  // The previous config's keys and limiter go once its requests have settled; a replaced store after them.
  if (previous) retired.push(previous.keys, { close: () => previous.limiter.close(config.server.drain_timeout_ms) })
  if (previous && !keepStore) retired.push(previous.store)
  // The embedders and index cost memory and start-up time: build them only when some model uses the cache.
  const cacheWanted = [...models.values()].some((m) => m.cache.enabled)
  const cacheJson = cacheWanted ? JSON.stringify({ store: config.store, cache: config.cache, models: config.models.map((m) => m.cache) }) : ''
  const keepCache = previous !== undefined && previous.cacheJson === cacheJson
  const cache = keepCache ? previous.cache : cacheWanted ? createSemanticCache(config, { logger: opts.logger }) : undefined
  if (previous?.cache && !keepCache) retired.push(previous.cache)
  const keys = createKeyStore(config, store)
  const limiter = createLimiter(config, store, pricing, { logger: opts.logger })
  const runtime: RuntimeInternal = {
    config,
    configDir: opts.configDir,
    logger: opts.logger,
    providers,
    models,
    pricing,
    router,
    store,
    keys,
    limiter,
    usage: createUsage(config, store),
    guardrails: previous?.guardrails ?? new GuardrailPolicies(loadGuardrailModels()),
    cache,
    storeJson,
    cacheJson,
    pool,
    retired,
    async close() {
      await Promise.allSettled([...providers.values()].map((p) => p.close()))
      keys.close()
      await limiter.close(config.server.drain_timeout_ms) // flush queued settles before the store goes
      await Promise.allSettled([cache?.close(), store.close()])
    },
  }
  return runtime
}

/** Closes the providers (and store or cache) a reload replaced, once the old runtime has no requests left. */
export async function retireReplaced(next: Runtime): Promise<void> {
  const internal = next as RuntimeInternal
  for (const r of internal.retired) await Promise.resolve(r.close()).catch(() => undefined)
  internal.retired = []
}

type RuntimeInternal = Runtime & { pool: ProviderPool; retired: Array<{ close(): Promise<void> | void }>; storeJson: string; cacheJson: string }
