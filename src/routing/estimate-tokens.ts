import type { RoutedRequest } from './strategies/strategy.js'

// Rough sizes, good enough to rank prices and to rule out targets whose context window is clearly too small.
const CHARS_PER_TOKEN = 4
const TOKENS_PER_MESSAGE = 4
const TOKENS_PER_IMAGE = 765

/** An estimate of a request's prompt tokens without a tokenizer: about four characters per token. */
export function estimatePromptTokens(req: RoutedRequest): number {
  if ('messages' in req && Array.isArray(req.messages)) {
    let chars = 0
    let tokens = 0
    for (const m of req.messages) {
      tokens += TOKENS_PER_MESSAGE
      const content = m.content
      if (typeof content === 'string') chars += content.length
      else if (Array.isArray(content)) {
        for (const part of content) {
          if (part.type === 'text' && typeof part.text === 'string') chars += part.text.length
          else tokens += TOKENS_PER_IMAGE
        }
      }
      if (m.role === 'assistant' && m.tool_calls) for (const t of m.tool_calls) chars += t.function.name.length + t.function.arguments.length
    }
    if (req.tools) chars += JSON.stringify(req.tools).length
    return tokens + Math.ceil(chars / CHARS_PER_TOKEN)
  }
  const input = (req as { input?: unknown }).input
  if (typeof input === 'string') return Math.ceil(input.length / CHARS_PER_TOKEN)
  if (!Array.isArray(input)) return 0
  let tokens = 0
  for (const item of input) {
    if (typeof item === 'string') tokens += Math.ceil(item.length / CHARS_PER_TOKEN)
    else if (typeof item === 'number') tokens++
    else if (Array.isArray(item)) tokens += item.length
  }
  return tokens
}

/** The answer length the caller allowed, if it set one. */
export function requestedOutputTokens(req: RoutedRequest): number | undefined {
  const r = req as { max_completion_tokens?: number | null; max_tokens?: number | null }
  return r.max_completion_tokens ?? r.max_tokens ?? undefined
}
