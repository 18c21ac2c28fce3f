import type { ProviderConfig } from '../../config/schema.js'
import { createOpenAIProvider } from '../openai/openai-provider.js'
import type { Provider } from '../types.js'

// vLLM, Ollama, llama.cpp server …: the OpenAI wire format with declared quirks, not a copy of it.
export const createOpenAICompatible = (cfg: Extract<ProviderConfig, { type: 'openai-compatible' }>): Provider =>
  createOpenAIProvider(cfg, { includeUsage: cfg.include_usage, maxTokensOnly: true, requiresKey: false })
