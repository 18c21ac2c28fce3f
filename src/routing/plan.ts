import type { ModelConfig } from '../config/schema.js'
import type { Provider } from '../providers/types.js'
import type { CircuitBreakerOptions } from './circuit-breaker.js'
import { compileFallbackOn, type FallbackOn } from './retry.js'
import { strategyFactories, type Random, type Strategy } from './strategies/index.js'
import type { HealthRegistry, TargetHealth, TargetInfo } from './target-health.js'

/** USD per million tokens, looked up once per config load. */
export type TargetPrice = { inputPerMtok: number; outputPerMtok: number }

/**
 * The slice of the price table the router needs (src/pricing's `Pricing` has this shape): a price row
 * with the context window, by upstream model name and provider type.
 */
export interface PriceLookup {
  lookup(model: string, providerType?: string): (TargetPrice & { contextWindow: number | undefined }) | undefined
}

export type Target = {
  /** provider/model, with #2, #3 … for a repeated pair in one model. Stable across reloads. */
  id: string
  provider: Provider
  model: string
  weight: number
  price: TargetPrice | undefined
  contextWindow: number | undefined
  /** Long-lived: shared with the previous config's route when this target did not change. */
  health: TargetHealth
}

/** One model's precompiled plan: everything a request needs besides the request, built once per config load. */
export type Route = {
  name: string
  config: ModelConfig
  targets: readonly Target[]
  strategy: Strategy
  fallbackOn: FallbackOn | undefined
}

export type PlanDeps = {
  providers: ReadonlyMap<string, Provider>
  health: HealthRegistry
  random: Random
  pricing?: PriceLookup
}

export function circuitOptions(config: ModelConfig): CircuitBreakerOptions {
  const c = config.circuit_breaker
  return {
    enabled: c.enabled,
    consecutiveFailures: c.consecutive_failures,
    failureRatio: c.failure_ratio,
    minRequests: c.min_requests,
    windowMs: c.window_ms,
    cooldownMs: c.cooldown_ms,
    maxCooldownMs: c.max_cooldown_ms,
  }
}

export function compileRoute(config: ModelConfig, deps: PlanDeps): Route {
  const breaker = circuitOptions(config)
  const seen = new Map<string, number>()
  const targets = config.targets.map((t): Target => {
    const provider = deps.providers.get(t.provider)
    if (!provider) throw new Error(`models.${config.name}: unknown provider '${t.provider}'`)
    const pair = `${t.provider}/${t.model}`
    const n = (seen.get(pair) ?? 0) + 1
    seen.set(pair, n)
    const id = n === 1 ? pair : `${pair}#${n}`
    const info: TargetInfo = { route: config.name, id, provider: provider.name, model: t.model }
    const row = deps.pricing?.lookup(t.model, provider.type)
    return {
      id,
      provider,
      model: t.model,
      weight: t.weight,
      price: row && { inputPerMtok: row.inputPerMtok, outputPerMtok: row.outputPerMtok },
      contextWindow: row?.contextWindow,
      health: deps.health.get(info, provider, breaker),
    }
  })
  return {
    name: config.name,
    config,
    targets,
    strategy: strategyFactories[config.strategy](deps.random),
    fallbackOn: compileFallbackOn(config.fallback_on),
  }
}
