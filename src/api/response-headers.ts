import type { Context } from 'hono'
import type { AppEnv } from '../app-env.js'
import { overheadMs } from '../request-log.js'

/**
 * The headers collected for this request, for the step building its response; `x-switchyard-overhead-ms` too
 * unless the response is a stream (whose overhead is only known at its end). Marks them merged.
 */
export function collectedHeaders(c: Context<AppEnv>, opts: { overhead: boolean }): Record<string, string> {
  c.set('responseHeadersMerged', true)
  const headers = c.get('responseHeaders') ?? {}
  if (!opts.overhead) return headers
  const log = c.get('log')
  return log ? { ...headers, 'x-switchyard-overhead-ms': overheadMs(log, c.get('startedAt')).toFixed(3) } : headers
}
