import type { GatewayError } from '../../errors.js'
import { anthropicErrorBody } from '../anthropic-error-body.js'
import type { ApiCodec } from '../types.js'
import { encodeAnthropicStream, sseFrame } from './anthropic-stream-encoder.js'
import { decodeMessagesRequest } from './decode-messages-request.js'
import { encodeMessagesResponse } from './encode-messages-response.js'

/** Anthropic's POST /v1/messages: decoded into the canonical request, answers and errors encoded back. */
export const anthropicMessagesCodec: ApiCodec = {
  name: 'anthropic',
  decode: decodeMessagesRequest,
  encodeResponse: (completion) => encodeMessagesResponse(completion),
  encodeStream: (chunks, request) => encodeAnthropicStream(chunks, request.model),
  encodeError: anthropicErrorBody,
  encodeStreamError: (err: GatewayError) => sseFrame(anthropicErrorBody(err)),
}
