import type { CacheConfig } from '../cache/config.js'
import type { ModelConfig } from '../config/schema.js'
import type { GuardrailsConfig } from '../guardrails/config.js'
import type { Route } from './router.js'

/** A configured model name with its global defaults already merged in (compiled once per config load). */
export type ResolvedModel = {
  name: string
  config: ModelConfig
  guardrails: GuardrailsConfig
  cache: CacheConfig
  route: Route
}
