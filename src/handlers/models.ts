import type { Handler } from 'hono'
import type { AppEnv } from '../app-env.js'
import type { Runtime } from '../runtime.js'

/** The configured model names, in OpenAI's list shape. Built once per config load. */
export const modelsHandler = (rt: Runtime): Handler<AppEnv> => {
  const created = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({
    object: 'list',
    data: [...rt.models.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'switchyard' })),
  })
  return function models(c) {
    return c.body(body, 200, { 'content-type': 'application/json' })
  }
}
