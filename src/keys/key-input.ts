import { z } from 'zod'
import { budgetSchema, rateLimitsSchema } from '../limits/config.js'

// Bodies of POST and PATCH /admin/keys.

/** ISO 8601 with an offset, or Unix seconds (as OpenAI's APIs use); null for never. */
const expiresAt = z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).nullable()
const name = z.string().min(1).max(200)
const models = z.array(z.string().min(1).max(200)).max(1000)
const metadata = z.record(z.string(), z.unknown())

export const createKeySchema = z
  .object({
    name,
    team: name.optional(),
    models: models.default(['*']),
    limits: rateLimitsSchema.optional(),
    budget: budgetSchema.optional(),
    expires_at: expiresAt.optional(),
    metadata: metadata.default({}),
  })
  .strict()

/** Only the fields sent change; null clears team, limits, budget or expiry. */
export const updateKeySchema = z
  .object({
    name: name.optional(),
    team: name.nullable().optional(),
    models: models.optional(),
    limits: rateLimitsSchema.nullable().optional(),
    budget: budgetSchema.nullable().optional(),
    expires_at: expiresAt.optional(),
    metadata: metadata.optional(),
  })
  .strict()

export type CreateKeyInput = z.infer<typeof createKeySchema>
export type UpdateKeyInput = z.infer<typeof updateKeySchema>

export function toIsoExpiry(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined) return null
  return new Date(typeof v === 'number' ? v * 1000 : v).toISOString()
}
