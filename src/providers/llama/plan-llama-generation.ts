import type { ChatHistoryItem, LLamaContextualRepeatPenalty } from 'node-llama-cpp'
import type { ChatRequest } from '../types.js'
import { convertToLlamaHistory } from './convert-to-llama-history.js'
import { UnsupportedRequest } from './unsupported-request.js'

/** How the answer must be shaped: free text, any JSON value, or JSON matching a schema (both enforced by a grammar). */
export type LlamaOutputFormat = { kind: 'text' } | { kind: 'json' } | { kind: 'json_schema'; schema: Record<string, unknown> }

/** Everything one generation needs from the request, before it meets the model (context size, tokenizer). */
export type LlamaGenerationPlan = {
  history: ChatHistoryItem[]
  /** What the client asked for (or the provider default); fitted to the context once the prompt is counted. */
  maxTokens: number
  temperature: number
  topP: number
  topK: number
  minP: number
  seed: number | undefined
  repeatPenalty: LLamaContextualRepeatPenalty | undefined
  stop: string[]
  format: LlamaOutputFormat
}

/**
 * Sampling when the client leaves it unset: llama.cpp's own defaults (its server and CLI), which suit
 * local models better than OpenAI's temperature 1 with nothing else. temperature 0 means greedy decoding.
 */
export const llamaSamplingDefaults = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05 } as const

/** Validates a chat request for the local model and turns it into a plan. Throws UnsupportedRequest naming the field. */
export function planLlamaGeneration(req: Readonly<ChatRequest>, defaultMaxTokens: number): LlamaGenerationPlan {
  if (req.n != null && req.n > 1) throw new UnsupportedRequest('This local model generates one choice per request; n must be 1.', 'n')
  if (req.tools?.length && req.tool_choice !== 'none')
    throw new UnsupportedRequest('This local model is not given tools; send the request without tools or with tool_choice "none".', 'tools')
  if (req.logprobs === true) throw new UnsupportedRequest('This local model does not return logprobs.', 'logprobs')
  const penalty: LLamaContextualRepeatPenalty = {}
  if (req.presence_penalty != null) penalty.presencePenalty = req.presence_penalty
  if (req.frequency_penalty != null) penalty.frequencyPenalty = req.frequency_penalty
  return {
    history: convertToLlamaHistory(req.messages),
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens,
    temperature: req.temperature ?? llamaSamplingDefaults.temperature,
    topP: req.top_p ?? llamaSamplingDefaults.topP,
    topK: llamaSamplingDefaults.topK,
    minP: llamaSamplingDefaults.minP,
    seed: req.seed ?? undefined,
    repeatPenalty: Object.keys(penalty).length > 0 ? penalty : undefined,
    stop: stopSequences(req.stop),
    format: outputFormat(req),
  }
}

function stopSequences(stop: ChatRequest['stop']): string[] {
  if (stop == null) return []
  return (typeof stop === 'string' ? [stop] : stop).filter((s) => s !== '')
}

function outputFormat(req: Readonly<ChatRequest>): LlamaOutputFormat {
  const rf = req.response_format
  if (!rf || rf.type === 'text') return { kind: 'text' }
  if (rf.type === 'json_object') return { kind: 'json' }
  if (rf.type === 'json_schema') return rf.json_schema.schema ? { kind: 'json_schema', schema: rf.json_schema.schema } : { kind: 'json' }
  throw new UnsupportedRequest(`response_format type '${(rf as { type: string }).type}' is not supported by this local model.`, 'response_format')
}
