// The canonical types every inbound API decodes to and every provider translates from:
// the OpenAI chat-completions wire schema. An OpenAI upstream therefore needs no translation.

export type TextPart = { type: 'text'; text: string }
export type ImagePart = { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
export type ContentPart = TextPart | ImagePart | { type: string; [k: string]: unknown }

export type ToolCall = {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string | TextPart[]; name?: string }
  | { role: 'user'; content: string | ContentPart[]; name?: string }
  | { role: 'assistant'; content?: string | TextPart[] | null; tool_calls?: ToolCall[]; name?: string; refusal?: string | null }
  | { role: 'tool'; content: string | TextPart[]; tool_call_id: string }

export type ToolDefinition = {
  type: 'function'
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null }
}

export type ToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } }

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null; description?: string } }

/** A chat request as clients send it to /v1/chat/completions. Unknown fields are kept and passed to OpenAI-type upstreams. */
export type ChatRequest = {
  model: string
  messages: ChatMessage[]
  stream?: boolean | null
  stream_options?: { include_usage?: boolean } | null
  tools?: ToolDefinition[]
  tool_choice?: ToolChoice
  parallel_tool_calls?: boolean
  response_format?: ResponseFormat
  stop?: string | string[] | null
  max_tokens?: number | null
  max_completion_tokens?: number | null
  temperature?: number | null
  top_p?: number | null
  n?: number | null
  seed?: number | null
  user?: string
  presence_penalty?: number | null
  frequency_penalty?: number | null
  [k: string]: unknown
}

/** Token counts. A count the provider did not report is `undefined`, never 0: accounting estimates it instead. */
export type Usage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown }
  completion_tokens_details?: Record<string, unknown>
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export type ChatCompletion = {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: Array<{
    index: number
    message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; refusal?: string | null }
    finish_reason: FinishReason | null
    logprobs?: unknown
  }>
  usage?: Usage
  system_fingerprint?: string | null
  [k: string]: unknown
}

export type ToolCallDelta = {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

export type ChatCompletionChunk = {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: Array<{
    index: number
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: ToolCallDelta[]; refusal?: string | null }
    finish_reason: FinishReason | null
    logprobs?: unknown
  }>
  usage?: Usage | null
  system_fingerprint?: string | null
  [k: string]: unknown
}

export type EmbeddingsRequest = {
  model: string
  input: string | string[] | number[] | number[][]
  encoding_format?: 'float' | 'base64'
  dimensions?: number
  user?: string
  [k: string]: unknown
}

export type EmbeddingsResponse = {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

/** What a provider is handed for one attempt, besides the request. */
export type CallContext = {
  /** Aborted when the client goes away or the attempt times out: the upstream call must stop at once. */
  signal: AbortSignal
  /** Headers to propagate upstream (traceparent, x-request-id). */
  headers?: Record<string, string>
}

export type ProviderState = 'ready' | 'not_configured' | 'unreachable' | 'model_missing' | 'loading'

/**
 * One configured provider. `model` is the upstream model id from the route target.
 * `stream` resolves once the upstream has accepted the request (status line checked), so
 * a refusal is still a thrown UpstreamError the router can retry or fall back on.
 */
export interface Provider {
  readonly name: string
  readonly type: string
  chat(req: Readonly<ChatRequest>, model: string, ctx: CallContext): Promise<ChatCompletion>
  stream(req: Readonly<ChatRequest>, model: string, ctx: CallContext): Promise<AsyncIterable<ChatCompletionChunk>>
  embeddings(req: Readonly<EmbeddingsRequest>, model: string, ctx: CallContext): Promise<EmbeddingsResponse>
  listModels(ctx: CallContext): Promise<string[]>
  state(): ProviderState
  close(): Promise<void>
}
