import { Hono, type MiddlewareHandler } from 'hono'
import { errorResponse } from './api/error-response.js'
import { anthropicMessagesCodec } from './api/anthropic-messages/index.js'
import { openaiChatCodec } from './api/openai-chat/index.js'
import type { ApiCodec } from './api/types.js'
import type { AppEnv } from './app-env.js'
import { GatewayError } from './errors.js'
import { cacheAdminRoutes } from './admin/cache-routes.js'
import { keysRoutes } from './admin/keys-routes.js'
import { usageRoutes } from './admin/usage-routes.js'
import { accounting } from './middleware/accounting.js'
import { adminAuth } from './middleware/admin-auth.js'
import { api } from './middleware/api.js'
import { auth } from './middleware/auth.js'
import { cache } from './middleware/cache.js'
import { context } from './middleware/context.js'
import { inputGuard } from './middleware/input-guard.js'
import { limits } from './middleware/limits.js'
import { outputGuard } from './middleware/output-guard.js'
import { route } from './middleware/route.js'
import { embeddingsHandler } from './handlers/embeddings.js'
import { modelsHandler } from './handlers/models.js'
import { healthz, readyz } from './handlers/health.js'
import type { Runtime } from './runtime.js'
import type { RequestTelemetry } from './telemetry/telemetry.js'

/** What the app reports to: metrics, the request log line, traces (src/telemetry/telemetry.ts). */
export type AppHooks = RequestTelemetry

/**
 * The whole request path, top to bottom. Middleware runs in this order on the way in and in reverse
 * after `await next()` on the way out.
 */
export function buildApp(rt: Runtime, hooks: AppHooks): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const authenticate = auth(rt.keys)
  const llmRoute = (path: string, codec: ApiCodec) => {
    const chain: MiddlewareHandler<AppEnv>[] = [
      errorShape(codec.name), // errors from here on use this API's error body
      authenticate, //           key → principal (401 before the body is parsed)
      api(codec, rt.models, rt.config.server.body_limit_bytes), // decode → canonical request; encode the final outcome on the way out
      limits(rt.limiter, rt.keys), // model allow-list, rpm/tpm/concurrency/budget; reconcile usage after
      accounting({ pricing: rt.pricing, providers: rt.providers, captureBodies: rt.config.telemetry.log_bodies }), // tokens, cost
      inputGuard(rt.guardrails), // PII redaction, injection block; puts the caller's values back on the way out
      ...(rt.cache ? [cache(rt.cache)] : []), // exact, then semantic hit; stores the screened answer after a miss
      outputGuard(rt.guardrails), // PII in the upstream's answer, JSON and streams
      route(rt.router), //       pick a target, call it with retries and fallback
    ]
    for (const step of chain) app.on('POST', path, hooks.traceStep(step))
  }

  app.use(context({ onFinish: hooks.onFinish }))
  app.use('/v1/*', hooks.observe) // in-flight, request span, x-switchyard-overhead-ms
  if (hooks.metrics) app.get(hooks.metrics.path, hooks.metrics.handler)
  app.get('/healthz', healthz())
  app.get('/readyz', readyz(rt))
  llmRoute('/v1/chat/completions', openaiChatCodec)
  llmRoute('/v1/messages', anthropicMessagesCodec)
  app.post('/v1/embeddings', authenticate, embeddingsHandler(rt))
  app.use('/admin/*', adminAuth(rt.config.auth.admin_key))
  app.route('/admin', keysRoutes(rt.keys))
  app.route('/admin', usageRoutes(rt.usage))
  if (rt.cache) app.route('/admin', cacheAdminRoutes(rt.cache))
  app.get('/v1/models', modelsHandler(rt))

  const methodNotAllowed = (allow: string) => () => {
    throw new GatewayError(405, 'invalid_request_error', 'method_not_allowed', `Use ${allow} for this endpoint.`)
  }
  app.all('/v1/chat/completions', methodNotAllowed('POST'))
  app.all('/v1/embeddings', methodNotAllowed('POST'))
  app.all('/v1/messages', errorShape(anthropicMessagesCodec.name), methodNotAllowed('POST'))
  app.all('/v1/models', methodNotAllowed('GET'))
  const onError = errorResponse(rt.logger)
  app.notFound((c) => onError(new GatewayError(404, 'invalid_request_error', 'not_found', `Unknown endpoint ${c.req.method} ${c.req.path}.`), c))
  app.onError(onError)
  return app
}

/** Sets which wire format the request speaks before anything can fail, so even a 401 has the right error shape. */
function errorShape(name: ApiCodec['name']): MiddlewareHandler<AppEnv> {
  return async function errorShape(c, next) {
    c.set('api', name)
    await next()
  }
}
