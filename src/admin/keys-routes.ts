import { Hono } from 'hono'
import type { AppEnv } from '../app-env.js'
import { GatewayError } from '../errors.js'
import { createKeySchema, updateKeySchema } from '../keys/key-input.js'
import type { KeyStore, VirtualKeyView } from '../keys/key-store.js'
import { readJson } from './read-json.js'

const notFound = (id: string) => new GatewayError(404, 'not_found_error', 'key_not_found', `No virtual key with id '${id.slice(0, 100)}'.`, { param: 'id' })
const found = (view: VirtualKeyView | undefined, id: string): VirtualKeyView => {
  if (!view) throw notFound(id)
  return view
}

/**
 * The virtual keys API, mounted by the app under /admin behind adminAuth:
 *   POST /keys → 201 {id, key, …} (the only time the secret is shown) · GET /keys · GET, PATCH, DELETE /keys/{id}
 * DELETE revokes: the record stays (usage refers to it), the key stops working on every replica at once.
 */
export function keysRoutes(keys: KeyStore): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .post('/keys', async (c) => {
      const { key, view } = await keys.create(await readJson(c, createKeySchema))
      const { id, ...rest } = view
      return c.json({ id, key, ...rest }, 201)
    })
    .get('/keys', async (c) => c.json({ object: 'list', data: await keys.list() }))
    .get('/keys/:id', async (c) => c.json(found(await keys.get(c.req.param('id')), c.req.param('id'))))
    .patch('/keys/:id', async (c) => {
      const patch = await readJson(c, updateKeySchema)
      return c.json(found(await keys.update(c.req.param('id'), patch), c.req.param('id')))
    })
    .delete('/keys/:id', async (c) => c.json(found(await keys.revoke(c.req.param('id')), c.req.param('id'))))
}
