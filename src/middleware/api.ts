import type { MiddlewareHandler } from 'hono'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { nodeResponse, readJsonBody, writeFrames } from '../api/client-request.js'
import { collectedHeaders } from '../api/response-headers.js'
import type { ApiCodec } from '../api/types.js'
import type { AppEnv } from '../app-env.js'
import { GatewayError, internalError, modelNotFound } from '../errors.js'
import type { ResolvedModel } from '../routing/resolved-model.js'
import { toGatewayError } from '../routing/map-upstream-error.js'

export type ModelTable = ReadonlyMap<string, ResolvedModel>

const encoder = new TextEncoder()

/**
 * The inbound wire format around everything else: decodes the body into the canonical request on the way
 * in, and encodes the final outcome (JSON or SSE) on the way out.
 */
export const api = (codec: ApiCodec, models: ModelTable, bodyLimitBytes = 4 * 1024 * 1024): MiddlewareHandler<AppEnv> => {
  return async function api(c, next) {
    c.set('api', codec.name)
    const log = c.get('log')
    log.api = codec.name
    const type = c.req.header('content-type')
    if (!type || !type.toLowerCase().includes('application/json'))
      throw new GatewayError(415, 'invalid_request_error', 'unsupported_media_type', "Send the request body as JSON with 'Content-Type: application/json'.")
    const request = codec.decode(await readJsonBody(c, bodyLimitBytes))
    const model = models.get(request.model)
    if (!model) throw modelNotFound(request.model)
    log.model = model.name
    log.stream = request.stream === true
    c.set('request', request)
    c.set('model', model)

    await next()
    const outcome = c.get('outcome')
    if (c.error) {
      // A step failed on the way out after the route produced a stream: end the upstream call now.
      if (outcome?.kind === 'stream') void outcome.chunks[Symbol.asyncIterator]().return?.()
      return
    }
    const headers: Record<string, string> = {
      ...collectedHeaders(c, { overhead: outcome.kind === 'json' }),
      'x-switchyard-provider': outcome.provider,
      'x-switchyard-target-model': outcome.targetModel,
      'x-switchyard-attempts': String(outcome.attempts),
    }
    log.provider = outcome.provider
    log.targetModel = outcome.targetModel
    log.attempts = outcome.attempts
    if (outcome.kind === 'json') {
      log.finishReason = outcome.completion.choices[0]?.finish_reason ?? undefined
      c.res = new Response(JSON.stringify(codec.encodeResponse(outcome.completion, request)), {
        status: 200,
        headers: { 'content-type': 'application/json', ...headers },
      })
      return
    }
    let ended!: () => void
    c.set('streamEnd', new Promise<void>((resolve) => (ended = resolve)))
    const frames = codec.encodeStream(outcome.chunks, request)[Symbol.asyncIterator]()
    const startedAt = c.get('startedAt')
    let first = true
    let over = false
    // The next frame to send (TTFT noted at the first), undefined at the end; a failure becomes a last error frame.
    const nextFrame = async (): Promise<string | undefined> => {
      if (over) return undefined
      try {
        const next = await frames.next()
        if (first) {
          first = false
          log.ttftMs = performance.now() - startedAt
        }
        if (next.done) over = true
        return next.value ?? undefined
      } catch (err) {
        over = true
        const gwErr = toGatewayError(err) ?? internalError(err)
        log.errorCode = gwErr.code ?? 'stream_error'
        return codec.encodeStreamError(gwErr)
      }
    }
    const clientGone = async () => {
      log.errorCode ??= 'client_closed'
      await frames.return?.().catch(() => undefined)
    }
    const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers }
    const outgoing = nodeResponse(c)
    if (outgoing) {
      outgoing.writeHead(200, sseHeaders)
      void writeFrames(outgoing, nextFrame, clientGone).finally(ended)
      c.res = RESPONSE_ALREADY_SENT
      return
    }
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const frame = await nextFrame()
        if (frame === undefined) {
          controller.close()
          ended()
        } else controller.enqueue(encoder.encode(frame))
      },
      async cancel() {
        await clientGone()
        ended()
      },
    })
    c.res = new Response(body, { status: 200, headers: sseHeaders })
  }
}
