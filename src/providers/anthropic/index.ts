export { createAnthropicProvider, type AnthropicProviderConfig, type AnthropicProviderOptions } from './anthropic-provider.js'
