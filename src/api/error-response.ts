import type { Context } from 'hono'
import type { AppEnv } from '../app-env.js'
import { GatewayError, internalError } from '../errors.js'
import { toGatewayError } from '../routing/map-upstream-error.js'
import { collectedHeaders } from './response-headers.js'
import type { Logger } from '../telemetry/logger.js'
import { anthropicErrorBody } from './anthropic-error-body.js'
import { openaiErrorBody } from './openai-chat/index.js'

/**
 * The one place errors become responses: OpenAI's shape everywhere, Anthropic's on /v1/messages.
 * Anything that is not a GatewayError or UpstreamError is a bug: logged by type and message (never a stack trace,
 * which can carry request data), answered as a plain 500.
 */
export const errorResponse = (logger: Logger) =>
  function errorResponse(err: Error, c: Context<AppEnv>): Response {
    let gwErr = toGatewayError(err)
    if (!gwErr) {
      // Hono's own HTTPException (body limit, bad method) carries a status we keep.
      const status = (err as { status?: number }).status
      if (status === 413) gwErr = new GatewayError(413, 'invalid_request_error', 'request_too_large', 'The request body is larger than this gateway accepts.')
      else {
        gwErr = internalError(err)
        logger.error({ requestId: c.get('requestId'), err: { type: err.name, message: err.message } }, 'unexpected error')
      }
    }
    const log = c.get('log')
    if (log) {
      log.status = gwErr.status
      log.errorCode = gwErr.code ?? gwErr.type
    }
    const body = c.get('api') === 'anthropic' ? anthropicErrorBody(gwErr) : openaiErrorBody(gwErr)
    return new Response(JSON.stringify(body), {
      status: gwErr.status,
      headers: { 'content-type': 'application/json', ...collectedHeaders(c, { overhead: true }), ...gwErr.headers },
    })
  }
