import { Hono, type Context } from 'hono'
import type { z } from 'zod'
import type { AppEnv } from '../app-env.js'
import { badRequest, GatewayError } from '../errors.js'
import { createKeySchema, updateKeySchema } from '../keys/key-input.js'
import type { KeyStore, VirtualKeyView } from '../keys/key-store.js'

/** Parses and validates an admin request body; a 400 naming the bad field otherwise. */
async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw badRequest('We could not parse the JSON body of your request. Send valid JSON.', null, 'invalid_json')
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const param = issue.path.join('.') || null
    throw badRequest(param ? `Invalid value for '${param}': ${issue.message}` : `Invalid request body: ${issue.message}`, param)
  }
  return parsed.data
}

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
