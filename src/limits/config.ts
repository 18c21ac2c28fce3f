import { z } from 'zod'

// Owned by the limits work: `limits:` section and the per-key limits/budget shapes.
export const rateLimitsSchema = z
  .object({
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    max_concurrency: z.number().int().positive().optional(),
  })
  .strict()

export const budgetSchema = z
  .object({ usd: z.number().nonnegative(), period: z.enum(['day', 'week', 'month', 'total']).default('month') })
  .strict()

export const limitsConfigSchema = z
  .object({
    on_store_error: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
    models: z.record(z.string(), rateLimitsSchema).default({}),
    teams: z.record(z.string(), rateLimitsSchema.extend({ budget: budgetSchema.optional() })).default({}),
  })
  .strict()

export type RateLimits = z.infer<typeof rateLimitsSchema>
export type Budget = z.infer<typeof budgetSchema>
export type LimitsConfig = z.infer<typeof limitsConfigSchema>
