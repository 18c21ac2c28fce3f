import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { ChatCompletion, ChatMessage, ChatRequest } from '../providers/types.js'

// Estimates for the token reservation made before a call; the real usage replaces them afterwards, so they
// need to be close, not exact. Long texts are counted on a prefix and scaled, which keeps a 100 kB prompt
// well under a millisecond.

const EXACT_CHARS = 2048
const PER_MESSAGE = 3
const PER_REPLY = 3
// What OpenAI bills for a low-detail image; a fair middle for an estimate.
const PER_IMAGE = 85

export function countTextTokens(text: string): number {
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

/**
 * Tokens the answer may use, times the number of choices: the request's own cap, else the configured reserve.
 * The reserve (not a cap the client chose) shrinks to what `room` leaves, so a small tpm limit does not refuse
 * every request that sets no max_tokens as too large.
 */
export function reservedOutputTokens(req: Readonly<ChatRequest>, reserve: number, room = Infinity): number {
  const choices = Math.max(1, req.n ?? 1)
  const cap = req.max_completion_tokens ?? req.max_tokens
  if (cap != null) return cap * choices
  return Math.max(0, Math.min(reserve * choices, room))
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
