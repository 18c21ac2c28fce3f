import { createRequire } from 'node:module'
import type { ChatCompletion, ChatMessage, ChatRequest, EmbeddingsRequest } from '../providers/types.js'

// Estimates for the token reservation made before a call; the real usage replaces them afterwards, so they
// need to be close, not exact. Long texts are counted on a prefix and scaled, which keeps a 100 kB prompt
// well under a millisecond.

const EXACT_CHARS = 2048
const PER_MESSAGE = 3
const PER_REPLY = 3
// What OpenAI bills for a low-detail image; a fair middle for an estimate.
const PER_IMAGE = 85

// The o200k vocabulary costs ~70 MB of memory: load it on first use, so a gateway without token limits never does.
let countTokens: ((text: string) => number) | undefined
function tokenizer(): (text: string) => number {
  countTokens ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens(text: string): number }).countTokens
  return countTokens
}

export function countTextTokens(text: string): number {
  const countTokens = tokenizer()
  if (text.length <= EXACT_CHARS) return countTokens(text)
  return Math.ceil((countTokens(text.slice(0, EXACT_CHARS)) * text.length) / EXACT_CHARS)
}

function contentTokens(content: ChatMessage['content']): number {
  if (content == null) return 0
  if (typeof content === 'string') return countTextTokens(content)
  let n = 0
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') n += countTextTokens(part.text)
    else if (part.type === 'image_url') n += PER_IMAGE
  }
  return n
}

/** Prompt tokens of a chat request: messages, tool definitions and the response schema. */
export function estimateInputTokens(req: Readonly<ChatRequest>): number {
  let n = PER_REPLY
  for (const m of req.messages) {
    n += PER_MESSAGE + contentTokens(m.content)
    if (m.role === 'assistant' && m.tool_calls)
      for (const call of m.tool_calls) n += countTextTokens(call.function.name) + countTextTokens(call.function.arguments)
  }
  if (req.tools?.length) n += countTextTokens(JSON.stringify(req.tools))
  if (req.response_format?.type === 'json_schema') n += countTextTokens(JSON.stringify(req.response_format.json_schema))
  return n
}

/** What a request asks of the token windows: its prompt (counted only when a limit needs it) and its answer cap. */
export type Demand = {
  inputTokens(): number
  /** The answer's cap the client set (max_completion_tokens / max_tokens), or undefined for the configured reserve. */
  outputCap: number | undefined
  choices: number
}

export function chatDemand(req: Readonly<ChatRequest>): Demand {
  return { inputTokens: () => estimateInputTokens(req), outputCap: req.max_completion_tokens ?? req.max_tokens ?? undefined, choices: Math.max(1, req.n ?? 1) }
}

/** Embeddings produce no answer tokens; token-id inputs count one per id. */
export function embeddingsDemand(req: Readonly<EmbeddingsRequest>): Demand {
  const items: unknown[] = Array.isArray(req.input) && typeof req.input[0] !== 'number' ? req.input : [req.input]
  return {
    inputTokens: () => items.reduce<number>((n, item) => n + (typeof item === 'string' ? countTextTokens(item) : Array.isArray(item) ? item.length : 0), 0),
    outputCap: 0,
    choices: 1,
  }
}

/**
 * Tokens the answer may use, times the number of choices: the client's cap, else the configured reserve.
 * The reserve (not a cap the client chose) shrinks to what `room` leaves, so a small tpm limit does not refuse
 * every request that sets no max_tokens as too large.
 */
export function reservedOutputTokens(demand: Demand, reserve: number, room = Infinity): number {
  if (demand.outputCap !== undefined) return demand.outputCap * demand.choices
  return Math.max(0, Math.min(reserve * demand.choices, room))
}

/** Completion tokens of an answer whose provider reported no usage. */
export function estimateOutputTokens(completion: Pick<ChatCompletion, 'choices'>): number {
  let n = 0
  for (const choice of completion.choices) {
    const m = choice.message
    if (typeof m.content === 'string') n += countTextTokens(m.content)
    for (const call of m.tool_calls ?? []) n += countTextTokens(call.function.name) + countTextTokens(call.function.arguments)
  }
  return n
}
