import { randomBytes } from 'node:crypto'
import type { CacheResult, Outcome } from '../outcome.js'
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../providers/types.js'

/** Text is replayed in pieces of about this many characters, cut after whitespace, like an upstream stream. */
const PIECE_CHARS = 48

const newId = (): string => `chatcmpl-cache-${randomBytes(9).toString('base64url')}`

function pieces(text: string): string[] {
  const out: string[] = []
  let start = 0
  while (start < text.length) {
    let end = Math.min(text.length, start + PIECE_CHARS)
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end)
      if (space > start) end = space + 1
    }
    out.push(text.slice(start, end))
    start = end
  }
  return out
}

async function* replayChunks(completion: ChatCompletion, id: string, created: number, includeUsage: boolean): AsyncIterable<ChatCompletionChunk> {
  const base = { id, object: 'chat.completion.chunk' as const, created, model: completion.model, system_fingerprint: completion.system_fingerprint ?? null }
  for (const choice of completion.choices) {
    yield { ...base, choices: [{ index: choice.index, delta: { role: 'assistant', content: '' }, finish_reason: null }] }
    for (const piece of pieces(choice.message.content ?? '')) yield { ...base, choices: [{ index: choice.index, delta: { content: piece }, finish_reason: null }] }
    const toolCalls = choice.message.tool_calls ?? []
    if (toolCalls.length > 0)
      yield {
        ...base,
        choices: [
          {
            index: choice.index,
            delta: { tool_calls: toolCalls.map((call, index) => ({ index, id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } })) },
            finish_reason: null,
          },
        ],
      }
    yield { ...base, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] }
  }
  if (includeUsage && completion.usage) yield { ...base, choices: [], usage: completion.usage }
}

/**
 * A stored answer as this request asked for it: JSON or a stream of chunks. Usage is the stored
 * answer's: the tokens the upstream did not have to spend for this request.
 */
export function replayOutcome(completion: ChatCompletion, request: Readonly<ChatRequest>, result: Exclude<CacheResult, 'miss' | 'bypass'>): Outcome {
  const id = newId()
  const created = Math.floor(Date.now() / 1000)
  const meta = { provider: 'cache', targetModel: completion.model, attempts: 0, cache: result }
  if (request.stream) return { kind: 'stream', chunks: replayChunks(completion, id, created, request.stream_options?.include_usage === true), ...meta }
  return { kind: 'json', completion: { ...completion, id, created }, ...meta }
}
