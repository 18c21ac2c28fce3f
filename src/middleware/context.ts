import type { MiddlewareHandler } from 'hono'
import { randomUUID } from 'node:crypto'
import type { AppEnv } from '../app-env.js'
import { newRequestLog, type RequestLog } from '../request-log.js'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export type ContextOptions = {
  /** Called once per request when the response (and its stream, if any) is complete. */
  onFinish(log: RequestLog): void
}

/** First step of every request: request id, start time, the request log, and its one final line. */
export const context = (opts: ContextOptions): MiddlewareHandler<AppEnv> => {
  return async function context(c, next) {
    const sent = c.req.header('x-request-id')
    const requestId = sent && SAFE_ID.test(sent) ? sent : randomUUID()
    const log = newRequestLog(requestId, c.req.method, c.req.path)
    c.set('requestId', requestId)
    c.set('startedAt', performance.now())
    c.set('log', log)
    c.set('responseHeaders', { 'x-request-id': requestId })
    await next()
    if (!c.get('responseHeadersMerged')) c.res.headers.set('x-request-id', requestId)
    log.status ??= c.res.status
    const startedAt = c.get('startedAt')
    const finish = () => {
      log.durationMs = performance.now() - startedAt
      opts.onFinish(log)
    }
    const end = c.get('streamEnd')
    if (end) void end.then(finish)
    else finish()
  }
}
