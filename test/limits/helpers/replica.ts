import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { errorResponse } from '../../../src/api/error-response.js'
import { openaiChatCodec } from '../../../src/api/openai-chat/index.js'
import { keysRoutes } from '../../../src/admin/keys-routes.js'
import { usageRoutes } from '../../../src/admin/usage-routes.js'
import type { AppEnv } from '../../../src/app-env.js'
import { configSchema, type Config } from '../../../src/config/schema.js'
import { createKeyStore, type KeyStore } from '../../../src/keys/key-store.js'
import { createLimiter, type Limiter } from '../../../src/limits/limiter.js'
import { createUsage } from '../../../src/limits/usage.js'
import { adminAuth } from '../../../src/middleware/admin-auth.js'
import { api } from '../../../src/middleware/api.js'
import { auth } from '../../../src/middleware/auth.js'
import { context } from '../../../src/middleware/context.js'
import { limits } from '../../../src/middleware/limits.js'
import { route } from '../../../src/middleware/route.js'
import type { RequestLog } from '../../../src/request-log.js'
import { compileRuntime } from '../../../src/runtime.js'
import { createStore, type Store } from '../../../src/store/store.js'
import { Telemetry } from '../../../src/telemetry/telemetry.js'

/** One gateway replica with the chain steps this area owns, in the chain's order; several may share one Redis. */
export type Replica = {
  url: string
  baseURL: string
  config: Config
  store: Store
  keys: KeyStore
  limiter: Limiter
  /** Every log line (request logs and errors) as raw JSON text. */
  logs: string[]
  requests: RequestLog[]
  close(): Promise<void>
}

const CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url))

export async function startReplica(raw: Record<string, unknown>): Promise<Replica> {
  const config = configSchema.parse(raw)
  const logs: string[] = []
  const requests: RequestLog[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      cb()
    },
  })
  const logger = pino({ level: 'debug' }, sink)
  const telemetry = new Telemetry({ logger })
  const rt = compileRuntime(config, { configDir: CONFIG_DIR, logger, routerHooks: telemetry.routerHooks })
  const store = createStore(config.store, { logger })
  await store.ready(5000)
  telemetry.watchStore(store)
  const tel = telemetry.compile(rt)
  const keys = createKeyStore(config, store)
  const limiter = createLimiter(config, store, rt.pricing, { logger })
  const usage = createUsage(config, store)

  const app = new Hono<AppEnv>()
  app.use(
    context({
      onFinish: (log) => {
        requests.push(log)
        tel.onFinish(log)
      },
    }),
  )
  if (tel.metrics) app.get(tel.metrics.path, tel.metrics.handler)
  app.post('/v1/chat/completions', auth(keys), api(openaiChatCodec, rt.models), limits(limiter, keys), route(rt.router))
  app.use('/admin/*', adminAuth(config.auth.admin_key))
  app.route('/admin', keysRoutes(keys))
  app.route('/admin', usageRoutes(usage))
  app.onError(errorResponse(logger))

  const server: ServerType = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    baseURL: `${url}/v1`,
    config,
    store,
    keys,
    limiter,
    logs,
    requests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      await limiter.close(1000)
      keys.close()
      await rt.close()
      await telemetry.close()
      await store.close()
    },
  }
}

/** Waits until `check` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
