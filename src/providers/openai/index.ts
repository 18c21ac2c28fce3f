import type { ProviderConfig } from '../../config/schema.js'
import type { Provider } from '../types.js'
import { createOpenAIProvider } from './openai-provider.js'

export const createOpenAI = (cfg: Extract<ProviderConfig, { type: 'openai' }>): Provider =>
  createOpenAIProvider(cfg, { includeUsage: true, maxTokensOnly: false, requiresKey: true })
