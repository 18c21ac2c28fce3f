import { Hono } from 'hono'
import type { AppEnv } from '../app-env.js'
import type { SemanticCache } from '../cache/semantic-cache.js'
import { badRequest } from '../errors.js'

/**
 * The cache admin API, mounted by the app under /admin behind adminAuth:
 *   DELETE /cache?namespace=key:<id>|team:<name>|shared&model=<name>  → {deleted: n}
 * At least one filter, or `all=true` to empty the whole cache. Every replica drops the entries at once.
 */
export function cacheAdminRoutes(semanticCache: SemanticCache): Hono<AppEnv> {
  return new Hono<AppEnv>().delete('/cache', async (c) => {
    const namespace = c.req.query('namespace') || undefined
    const model = c.req.query('model') || undefined
    if (namespace === undefined && model === undefined && c.req.query('all') !== 'true')
      throw badRequest("Name what to delete: 'namespace', 'model', or 'all=true' for everything.", 'namespace')
    const deleted = await semanticCache.clear({ namespace, model })
    return c.json({ deleted, namespace: namespace ?? null, model: model ?? null })
  })
}
