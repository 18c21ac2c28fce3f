import type { Context } from 'hono'
import type { z } from 'zod'
import { badRequest } from '../errors.js'

/** Parses and validates an admin request body; a 400 naming the bad field otherwise. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
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
