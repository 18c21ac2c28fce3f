export { createLlamaProvider as createLlama, type LlamaProvider } from './llama-provider.js'
export type { LlamaProviderConfig } from './load-llama-model.js'
