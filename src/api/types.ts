import type { GatewayError } from '../errors.js'
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../providers/types.js'

/**
 * One inbound wire format (OpenAI chat completions, Anthropic messages). It decodes a client body
 * into the canonical ChatRequest and encodes canonical results, streams and errors back.
 */
export interface ApiCodec {
  readonly name: 'openai' | 'anthropic'
  /** Validates and converts; throws GatewayError(400) with `param` naming the bad field. */
  decode(body: unknown): ChatRequest
  /** `request` is the decoded request as the client sent it (e.g. to know whether it asked for usage in streams). */
  encodeResponse(completion: ChatCompletion, request: Readonly<ChatRequest>): unknown
  /**
   * Turns canonical chunks into complete SSE frames ("event: …\ndata: …\n\n"). It owns its per-request state
   * and always emits the format's closing frames. A thrown error mid-stream is encoded with `encodeStreamError`.
   */
  encodeStream(chunks: AsyncIterable<ChatCompletionChunk>, request: Readonly<ChatRequest>): AsyncIterable<string>
  /** The HTTP error body for a failed request. */
  encodeError(err: GatewayError): unknown
  /** The SSE frame(s) that end a stream which failed after it started. */
  encodeStreamError(err: GatewayError): string
}
