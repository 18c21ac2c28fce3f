import type { Handler } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.js'
import { clientSignal, readJsonBody } from '../api/client-request.js'
import { collectedHeaders } from '../api/response-headers.js'
import { embeddingsDemand } from '../limits/estimate-tokens.js'
import { admitRequest } from '../middleware/limits.js'
import { paramOf } from '../api/openai-chat/chat-request-schema.js'
import { badRequest, GatewayError, modelNotFound } from '../errors.js'
import type { EmbeddingsRequest } from '../providers/types.js'
import type { Runtime } from '../runtime.js'

const embeddingsSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int())).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
})

/** POST /v1/embeddings: validated, admitted by the same limits and budgets as chat, then routed like chat. */
export const embeddingsHandler = (rt: Runtime): Handler<AppEnv> =>
  async function embeddings(c) {
    c.get('log').api = 'embeddings'
    if (!c.req.header('content-type')?.toLowerCase().includes('application/json'))
      throw new GatewayError(415, 'invalid_request_error', 'unsupported_media_type', "Send the request body as JSON with 'Content-Type: application/json'.")
    const body = await readJsonBody(c, rt.config.server.body_limit_bytes)
    const parsed = embeddingsSchema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw badRequest(`Invalid value for '${paramOf(issue.path)}': ${issue.message}`, paramOf(issue.path) || null)
    }
    const req = parsed.data as EmbeddingsRequest
    const model = rt.models.get(req.model)
    if (!model) throw modelNotFound(req.model)
    c.get('log').model = model.name
    const admission = await admitRequest(c, rt.limiter, rt.keys, model.name, embeddingsDemand(req))
    let routed
    try {
      routed = await rt.router.embed(req, model.route, {
        signal: clientSignal(c),
        headers: { 'x-request-id': c.get('requestId') },
        log: c.get('log'),
      })
      const settled = admission.settle({
        usage: { inputTokens: routed.response.usage?.prompt_tokens ?? 0, outputTokens: 0 },
        targetModel: routed.target.model,
        provider: routed.target.provider.name,
      })
      c.get('log').costUsd = settled.costUsd
    } finally {
      admission.settle({ free: true }) // no-op once settled: a failed call frees its reservation
    }
    const { response, target, attempts } = routed
    c.get('log').provider = target.provider.name
    c.get('log').inputTokens = response.usage?.prompt_tokens
    return c.json(response, 200, {
      ...collectedHeaders(c, { overhead: true }),
      ...admission.headers,
      'x-switchyard-provider': target.provider.name,
      'x-switchyard-target-model': target.model,
      'x-switchyard-attempts': String(attempts),
    })
  }
