// The Anthropic Messages API wire format (https://docs.anthropic.com/en/api/messages), as far as
// Switchyard speaks it. Shared by the outbound provider and the inbound /v1/messages codec.

export type AnthropicTextBlock = { type: 'text'; text: string }
export type AnthropicImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
export type AnthropicImageBlock = { type: 'image'; source: AnthropicImageSource }
export type AnthropicToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
export type AnthropicToolResultBlock = {
  type: 'tool_result'
  tool_use_id: string
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock>
  is_error?: boolean
}

export type AnthropicContentBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock

export type AnthropicMessageParam = { role: 'user' | 'assistant'; content: AnthropicContentBlock[] }

export type AnthropicTool = { name: string; description?: string; input_schema: Record<string, unknown> }

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' }

export type AnthropicRequest = {
  model: string
  messages: AnthropicMessageParam[]
  max_tokens: number
  system?: AnthropicTextBlock[]
  stop_sequences?: string[]
  temperature?: number
  top_p?: number
  metadata?: { user_id: string }
  tools?: AnthropicTool[]
  tool_choice?: AnthropicToolChoice
  stream?: boolean
}

/** `pause_turn`, `refusal` and `model_context_window_exceeded` are newer; unknown future values are kept as strings. */
export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'

/** Counts are nullable on the wire (message_delta sends only what changed). Total input = input + cache creation + cache read. */
export type AnthropicUsage = {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
}

/** Blocks a response may hold; thinking and server-tool blocks are read past. */
export type AnthropicResponseBlock = AnthropicTextBlock | AnthropicToolUseBlock | { type: string; [k: string]: unknown }

export type AnthropicResponse = {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: AnthropicResponseBlock[]
  stop_reason: string | null
  stop_sequence: string | null
  usage: AnthropicUsage
}

export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicResponse }
  | { type: 'content_block_start'; index: number; content_block: AnthropicResponseBlock }
  | {
      type: 'content_block_delta'
      index: number
      delta: { type: 'text_delta'; text: string } | { type: 'input_json_delta'; partial_json: string } | { type: string; [k: string]: unknown }
    }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: string | null; stop_sequence: string | null }; usage: AnthropicUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } }

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error'

/** The HTTP status Anthropic answers each error type with (used for errors that arrive inside a stream). */
export const anthropicErrorStatus: Record<AnthropicErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}
