import type { MiddlewareHandler } from 'hono'
import { clientSignal } from '../api/client-request.js'
import type { AppEnv } from '../app-env.js'
import type { Router } from '../routing/router.js'

/** The last step: hands the canonical request to the router and leaves the outcome for the way back out. */
export const route = (router: Router): MiddlewareHandler<AppEnv> => {
  return async function route(c) {
    const headers: Record<string, string> = { 'x-request-id': c.get('requestId') }
    const traceparent = c.req.header('traceparent')
    if (traceparent) headers.traceparent = traceparent
    c.set('outcome', await router.run(c.get('request'), c.get('model').route, { signal: clientSignal(c), headers, log: c.get('log') }))
  }
}
