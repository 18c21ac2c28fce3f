import { createHash, timingSafeEqual } from 'node:crypto'
import type { Handler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { GatewayError } from '../errors.js'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * `GET /metrics` (the path is `telemetry.metrics.path`) in Prometheus text format, from `scrape` (this process's
 * registry, or a whole cluster's). With a bearer token configured, a scrape must present it; the comparison
 * takes the same time whatever was sent.
 */
export const metricsHandler = (opts: { scrape: () => Promise<string>; contentType: string; bearerToken: string }): Handler<AppEnv> => {
  const expected = opts.bearerToken ? digest(`Bearer ${opts.bearerToken}`) : undefined
  return async function metrics(c) {
    if (expected && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), expected))
      throw new GatewayError(401, 'authentication_error', 'invalid_metrics_token', 'Scraping the metrics needs the configured bearer token.', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    return c.body(await opts.scrape(), 200, { 'content-type': opts.contentType })
  }
}
