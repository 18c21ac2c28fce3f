import type { Usage } from '../types.js'
import type { AnthropicUsage } from './anthropic-api.js'

/**
 * Anthropic usage → OpenAI usage. Anthropic counts cache reads and cache writes apart from
 * `input_tokens`; OpenAI's `prompt_tokens` is the whole prompt, with reads in `cached_tokens`.
 * Cache writes are also kept as `cache_creation_tokens` so the inbound codec can give them back.
 * Returns undefined when the upstream did not say how many input or output tokens it used.
 */
export function convertAnthropicUsage(u: AnthropicUsage | undefined): Usage | undefined {
  if (!u || typeof u.input_tokens !== 'number' || typeof u.output_tokens !== 'number') return undefined
  const cacheRead = u.cache_read_input_tokens ?? 0
  const cacheWrite = u.cache_creation_input_tokens ?? 0
  const prompt = u.input_tokens + cacheRead + cacheWrite
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: u.output_tokens, total_tokens: prompt + u.output_tokens }
  if (u.cache_read_input_tokens != null || u.cache_creation_input_tokens != null) {
    usage.prompt_tokens_details = { cached_tokens: cacheRead }
    if (u.cache_creation_input_tokens != null) usage.prompt_tokens_details.cache_creation_tokens = cacheWrite
  }
  return usage
}

/** Later counts win: message_delta repeats cumulative totals and leaves out (or nulls) what it does not know. */
export function mergeAnthropicUsage(base: AnthropicUsage, update: AnthropicUsage | undefined): AnthropicUsage {
  if (!update) return base
  const out = { ...base }
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const v = update[key]
    if (typeof v === 'number') out[key] = v
  }
  return out
}

export type AnthropicWireUsage = {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
}

/**
 * OpenAI usage → Anthropic usage for /v1/messages clients: cached and cache-write tokens move out of
 * the input count again. The wire format has no "unknown", so an unreported count is sent as 0.
 */
export function toAnthropicUsage(u: Usage | null | undefined): AnthropicWireUsage {
  if (!u) return { input_tokens: 0, output_tokens: 0 }
  const cacheRead = numberOr0(u.prompt_tokens_details?.cached_tokens)
  const cacheWrite = numberOr0(u.prompt_tokens_details?.cache_creation_tokens)
  const out: AnthropicWireUsage = {
    input_tokens: Math.max(0, u.prompt_tokens - cacheRead - cacheWrite),
    output_tokens: u.completion_tokens,
  }
  if (u.prompt_tokens_details?.cache_creation_tokens !== undefined) out.cache_creation_input_tokens = cacheWrite
  if (u.prompt_tokens_details?.cached_tokens !== undefined) out.cache_read_input_tokens = cacheRead
  return out
}

const numberOr0 = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
