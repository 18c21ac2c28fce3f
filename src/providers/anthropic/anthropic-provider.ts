import type { ProviderConfig } from '../../config/schema.js'
import { HttpUpstream } from '../http.js'
import { parseSse } from '../sse.js'
import type { ChatCompletionChunk, ChatRequest, Provider, ProviderState } from '../types.js'
import { UpstreamError } from '../upstream-error.js'
import type { AnthropicResponse } from './anthropic-api.js'
import { AnthropicStreamDecoder } from './anthropic-stream-decoder.js'
import { type AnthropicCall, buildAnthropicRequest } from './build-anthropic-request.js'
import { convertAnthropicResponse } from './convert-anthropic-response.js'
import { unsupportedFeature, withAnthropicCode } from './read-anthropic-error.js'
import { UnsupportedFeatureError } from './unsupported-feature-error.js'

export type AnthropicProviderConfig = Extract<ProviderConfig, { type: 'anthropic' }>

export type AnthropicProviderOptions = {
  /** Told about harmless translation gaps (an ignored `seed`, a moved system message). Never given prompt text. */
  onWarning?: (provider: string, warning: string) => void
}

/**
 * The Anthropic Messages API behind the canonical (OpenAI) interface. Each call builds a fresh
 * Anthropic body from the request, and translates the answer, stream events and errors back.
 */
export function createAnthropicProvider(cfg: AnthropicProviderConfig, opts: AnthropicProviderOptions = {}): Provider {
  const headers: Record<string, string> = { 'anthropic-version': cfg.version }
  if (cfg.api_key) headers['x-api-key'] = cfg.api_key
  Object.assign(headers, cfg.headers)
  const http = new HttpUpstream(cfg.name, cfg.base_url, headers, { connections: cfg.max_connections })
  // base_url is documented as the API root ("https://api.anthropic.com"); a root that already ends in /v1 works too.
  const v1 = /\/v1\/?$/.test(new URL(cfg.base_url).pathname) ? '' : '/v1'

  const build = (req: Readonly<ChatRequest>, model: string, stream: boolean): AnthropicCall => {
    let call: AnthropicCall
    try {
      call = buildAnthropicRequest(req, model, { defaultMaxTokens: cfg.default_max_tokens, stream })
    } catch (err) {
      if (err instanceof UnsupportedFeatureError) throw unsupportedFeature(cfg.name, err)
      throw err
    }
    if (opts.onWarning) for (const w of call.warnings) opts.onWarning(cfg.name, w)
    return call
  }

  return {
    name: cfg.name,
    type: cfg.type,
    async chat(req, model, ctx) {
      const call = build(req, model, false)
      const res = await http.postJson<AnthropicResponse>(`${v1}/messages`, call.body, ctx.signal, ctx.headers).catch(rethrow)
      if (!res.body || res.body.type !== 'message' || !Array.isArray(res.body.content))
        throw new UpstreamError(cfg.name, 'protocol', `${cfg.name} returned a body that is not a message`, { status: 502 })
      return convertAnthropicResponse(res.body, { jsonTool: call.jsonTool, created: nowSeconds() })
    },
    async stream(req, model, ctx) {
      const call = build(req, model, true)
      const res = await http.postStream(`${v1}/messages`, call.body, ctx.signal, ctx.headers).catch(rethrow)
      const decoder = new AnthropicStreamDecoder(cfg.name, { jsonTool: call.jsonTool, created: nowSeconds(), model })
      return decodeStream(res.body, decoder)
    },
    async embeddings() {
      throw new UpstreamError(cfg.name, 'http', `${cfg.name} (Anthropic) does not offer embeddings`, {
        status: 400,
        retryable: false,
        code: 'unsupported_operation',
        type: 'invalid_request_error',
      })
    },
    async listModels(ctx) {
      const res = await http.getJson<{ data?: Array<{ id?: unknown }> }>(`${v1}/models?limit=1000`, ctx.signal, ctx.headers).catch(rethrow)
      return (res.body?.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string')
    },
    state(): ProviderState {
      return !cfg.api_key ? 'not_configured' : http.reachable ? 'ready' : 'unreachable'
    },
    close: () => http.close(),
  }
}

async function* decodeStream(body: AsyncIterable<Uint8Array>, decoder: AnthropicStreamDecoder): AsyncGenerator<ChatCompletionChunk> {
  try {
    for await (const ev of parseSse(body)) yield* decoder.push(ev.data)
  } catch (err) {
    throw withAnthropicCode(err)
  }
  decoder.end()
}

function rethrow(err: unknown): never {
  throw withAnthropicCode(err)
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
