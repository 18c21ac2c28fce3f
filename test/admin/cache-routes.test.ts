import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { cacheAdminRoutes } from '../../src/admin/cache-routes.js'
import type { AppEnv } from '../../src/app-env.js'
import type { SemanticCache } from '../../src/cache/semantic-cache.js'
import type { EntryFilter } from '../../src/cache/store/entry-store.js'
import { GatewayError } from '../../src/errors.js'

function appWith(cleared: EntryFilter[]) {
  const fake = { clear: async (f: EntryFilter) => (cleared.push(f), 3) } as unknown as SemanticCache
  return new Hono<AppEnv>().route('/admin', cacheAdminRoutes(fake)).onError((err, c) => c.json({ code: (err as GatewayError).code }, (err as GatewayError).status))
}

describe('DELETE /admin/cache', () => {
  it('deletes by namespace, by model, or both', async () => {
    const cleared: EntryFilter[] = []
    const app = appWith(cleared)
    const res = await app.request('/admin/cache?namespace=key:abc', { method: 'DELETE' })
    expect(await res.json()).toEqual({ deleted: 3, namespace: 'key:abc', model: null })
    await app.request('/admin/cache?model=gpt-4o', { method: 'DELETE' })
    await app.request('/admin/cache?model=gpt-4o&namespace=shared', { method: 'DELETE' })
    expect(cleared).toEqual([{ namespace: 'key:abc' }, { model: 'gpt-4o' }, { namespace: 'shared', model: 'gpt-4o' }])
  })

  it('needs a filter or all=true', async () => {
    const cleared: EntryFilter[] = []
    const app = appWith(cleared)
    expect((await app.request('/admin/cache', { method: 'DELETE' })).status).toBe(400)
    expect((await app.request('/admin/cache?all=true', { method: 'DELETE' })).status).toBe(200)
    expect(cleared).toEqual([{}])
  })
})
