import type { GatewayError } from '../../errors.js'
import { badRequest } from '../../errors.js'
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../providers/types.js'
import type { ApiCodec } from '../types.js'
import { chatRequestSchema, paramOf } from './chat-request-schema.js'

export function openaiErrorBody(err: GatewayError) {
  return { error: { message: err.message, type: err.type, code: err.code, param: err.param } }
}

/** OpenAI's /v1/chat/completions: the canonical format itself, so decoding is validation and encoding is almost nothing. */
export const openaiChatCodec: ApiCodec = {
  name: 'openai',
  decode(body: unknown): ChatRequest {
    const parsed = chatRequestSchema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const param = paramOf(issue.path)
      throw badRequest(param ? `Invalid value for '${param}': ${issue.message}` : `Invalid request body: ${issue.message}`, param || null)
    }
    return parsed.data as ChatRequest
  },
  encodeResponse(completion: ChatCompletion): unknown {
    return completion
  },
  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, request: Readonly<ChatRequest>): AsyncIterable<string> {
    return encodeOpenAIStream(chunks, request.stream_options?.include_usage === true)
  },
  encodeError: openaiErrorBody,
  encodeStreamError(err: GatewayError): string {
    return `data: ${JSON.stringify(openaiErrorBody(err))}\n\n`
  },
}

/** Usage was always requested upstream (accounting needs it); the client sees it only if it asked. */
async function* encodeOpenAIStream(chunks: AsyncIterable<ChatCompletionChunk>, includeUsage: boolean): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    if (!includeUsage) {
      if (chunk.choices.length === 0) continue
      if (chunk.usage !== undefined) {
        const { usage: _dropped, ...rest } = chunk
        yield `data: ${JSON.stringify(rest)}\n\n`
        continue
      }
    }
    yield `data: ${JSON.stringify(chunk)}\n\n`
  }
  yield 'data: [DONE]\n\n'
}
