import { createHash, timingSafeEqual } from 'node:crypto'
import type { Handler } from 'hono'
import type { Registry } from 'prom-client'
import type { AppEnv } from '../app-env.js'
import { GatewayError } from '../errors.js'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * `GET /metrics` (the path is `telemetry.metrics.path`) in Prometheus text format. With a bearer token
 * configured, a scrape must present it; the comparison takes the same time whatever was sent.
 */
export const metricsHandler = (registry: Registry, opts: { bearerToken: string }): Handler<AppEnv> => {
  const expected = opts.bearerToken ? digest(`Bearer ${opts.bearerToken}`) : undefined
  return async function metrics(c) {
    if (expected && !timingSafeEqual(digest(c.req.header('authorization') ?? ''), expected))
      throw new GatewayError(401, 'authentication_error', 'invalid_metrics_token', 'Scraping the metrics needs the configured bearer token.', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType })
  }
}
