import type { ProviderConfig } from '../config/schema.js'
import { createAnthropicProvider } from './anthropic/index.js'
import { createLlama } from './llama/index.js'
import { createOpenAI } from './openai/index.js'
import { createOpenAICompatible } from './openai-compatible/index.js'
import type { Provider } from './types.js'

type Factories = { [T in ProviderConfig['type']]: (cfg: Extract<ProviderConfig, { type: T }>) => Provider }

/** Adding a provider type: one folder under src/providers/ and one line here. */
export const providerFactories: Factories = {
  openai: createOpenAI,
  'openai-compatible': createOpenAICompatible,
  anthropic: (cfg) => createAnthropicProvider(cfg),
  llama: createLlama,
}

export function createProvider(cfg: ProviderConfig): Provider {
  const factory = providerFactories[cfg.type] as (c: ProviderConfig) => Provider
  return factory(cfg)
}
