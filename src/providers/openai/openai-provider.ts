import type { ProviderConfig } from '../../config/schema.js'
import { HttpUpstream } from '../http.js'
import { parseSse } from '../sse.js'
import type { CallContext, ChatCompletion, ChatCompletionChunk, ChatRequest, EmbeddingsRequest, EmbeddingsResponse, Provider, ProviderState } from '../types.js'
import { UpstreamError } from '../upstream-error.js'

type OpenAIProviderConfig = Extract<ProviderConfig, { type: 'openai' | 'openai-compatible' }>

/** Differences between OpenAI itself and servers that speak its API (vLLM, Ollama, llama.cpp server). */
export type OpenAIQuirks = {
  /** Ask for the usage chunk on streams (some servers reject stream_options). */
  includeUsage: boolean
  /** Older servers only know max_tokens. */
  maxTokensOnly: boolean
  /** Whether an empty api_key means "not configured". */
  requiresKey: boolean
}

/**
 * The OpenAI wire format, written once. The canonical request already is this format, so a call
 * only swaps in the upstream model id and asks for stream usage; chunks are parsed and passed on one by one.
 */
export function createOpenAIProvider(cfg: OpenAIProviderConfig, quirks: OpenAIQuirks): Provider {
  const headers: Record<string, string> = { ...cfg.headers }
  if (cfg.api_key) headers.authorization = `Bearer ${cfg.api_key}`
  if (cfg.type === 'openai' && cfg.organization) headers['openai-organization'] = cfg.organization
  const http = new HttpUpstream(cfg.name, cfg.base_url, headers, { connections: cfg.max_connections })
  const configured = !quirks.requiresKey || cfg.api_key !== ''

  const buildBody = (req: Readonly<ChatRequest>, model: string, stream: boolean): Record<string, unknown> => {
    const body: Record<string, unknown> = { ...req, model, stream }
    if (stream && quirks.includeUsage) body.stream_options = { ...req.stream_options, include_usage: true }
    else if (!stream) delete body.stream_options
    if (quirks.maxTokensOnly && req.max_completion_tokens != null && req.max_tokens == null) {
      body.max_tokens = req.max_completion_tokens
      delete body.max_completion_tokens
    }
    return body
  }

  return {
    name: cfg.name,
    type: cfg.type,
    async chat(req, model, ctx) {
      const res = await http.postJson<ChatCompletion>('/chat/completions', buildBody(req, model, false), ctx.signal, ctx.headers)
      if (!res.body || !Array.isArray(res.body.choices))
        throw new UpstreamError(cfg.name, 'protocol', `${cfg.name} returned a completion without choices`, { status: 502 })
      return res.body
    },
    async stream(req, model, ctx) {
      const res = await http.postStream('/chat/completions', buildBody(req, model, true), ctx.signal, ctx.headers)
      return readChunks(cfg.name, res.body)
    },
    async embeddings(req: Readonly<EmbeddingsRequest>, model: string, ctx: CallContext) {
      const res = await http.postJson<EmbeddingsResponse>('/embeddings', { ...req, model }, ctx.signal, ctx.headers)
      return res.body
    },
    async listModels(ctx) {
      const res = await http.getJson<{ data?: Array<{ id?: unknown }> }>('/models', ctx.signal, ctx.headers)
      return (res.body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string')
    },
    state(): ProviderState {
      return !configured ? 'not_configured' : http.reachable ? 'ready' : 'unreachable'
    },
    close: () => http.close(),
  }
}

/**
 * OpenAI chunks out of an SSE body. A stream that stops before `[DONE]` and before any finish_reason
 * was cut: that is an error, never a normal end, so the client is not shown a truncated answer as complete.
 */
async function* readChunks(provider: string, body: AsyncIterable<Uint8Array>): AsyncGenerator<ChatCompletionChunk> {
  let finished = false
  for await (const ev of parseSse(body)) {
    if (ev.data === '[DONE]') return
    let parsed: unknown
    try {
      parsed = JSON.parse(ev.data)
    } catch (err) {
      throw new UpstreamError(provider, 'protocol', `${provider} sent a malformed stream event`, { cause: err, status: 502 })
    }
    const chunk = parsed as ChatCompletionChunk & { error?: { message?: string; type?: string; code?: string } }
    if (chunk.error) {
      throw new UpstreamError(provider, 'http', chunk.error.message ?? `${provider} reported an error mid-stream`, {
        status: 502,
        code: chunk.error.code,
        type: chunk.error.type,
      })
    }
    if (!Array.isArray(chunk.choices))
      throw new UpstreamError(provider, 'protocol', `${provider} sent a stream event that is not a chunk`, { status: 502 })
    if (chunk.choices.some((c) => c.finish_reason)) finished = true
    yield chunk
  }
  if (!finished) throw new UpstreamError(provider, 'protocol', `${provider} ended the stream before the answer was complete`, { status: 502 })
}
