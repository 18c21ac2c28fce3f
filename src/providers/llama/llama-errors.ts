import { UpstreamError } from '../upstream-error.js'

/** Why the local model cannot serve: the file is not there, or it is there and failed to load, or the provider was closed. */
export type UnavailableReason = 'missing' | 'invalid' | 'closed'

const unavailableText: Record<UnavailableReason, string> = {
  missing: 'its model file was not found; the operator must set model_path to a GGUF file',
  invalid: 'its model file could not be loaded',
  closed: 'the provider was shut down',
}

/**
 * The model cannot serve at all: a 503 the gateway passes on as such. Retryable in the router's sense, so
 * another target of the route can take the request; retrying this one only re-checks whether the file appeared.
 */
export function modelUnavailable(provider: string, reason: UnavailableReason, cause?: unknown): UpstreamError {
  return new UpstreamError(provider, 'http', `The local model of provider '${provider}' is not available: ${unavailableText[reason]}.`, {
    status: 503,
    code: 'model_unavailable',
    type: 'api_error',
    cause,
  })
}

/** Every context sequence is busy and the wait queue is full: like an upstream 429, so the router may go elsewhere. */
export function modelBusy(provider: string): UpstreamError {
  return new UpstreamError(provider, 'http', `The local model of provider '${provider}' is busy: all sequences are in use and the queue is full.`, {
    status: 429,
    code: 'model_busy',
    type: 'rate_limit_error',
  })
}

/** A request this local model cannot serve as asked: the caller's 400, never retried. */
export function unsupportedByLlama(provider: string, message: string, param: string): UpstreamError {
  return new UpstreamError(provider, 'http', message, {
    status: 400,
    retryable: false,
    code: 'unsupported_parameter',
    type: 'invalid_request_error',
    param,
  })
}

/** The prompt leaves no room to generate in the configured context: OpenAI's 400 for the same case. */
export function contextLengthExceeded(provider: string, promptTokens: number, contextSize: number): UpstreamError {
  return new UpstreamError(
    provider,
    'http',
    `This model's context holds ${contextSize} tokens, but the messages take ${promptTokens} tokens. Shorten the messages.`,
    { status: 400, retryable: false, code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' },
  )
}

/** Generation failed inside node-llama-cpp (not a cancellation): a server-side failure another target may not have. */
export function generationFailed(provider: string, cause: unknown): UpstreamError {
  return new UpstreamError(provider, 'http', `The local model of provider '${provider}' failed while generating.`, {
    status: 500,
    code: 'generation_failed',
    type: 'api_error',
    cause,
  })
}
