import { z } from 'zod'

// The `limits:` section and the per-key limits/budget shapes (static keys, virtual keys, teams).
// Every option is documented in config/README.md under "Keys, limits and budgets".

/** Requests per minute, tokens per minute and requests in flight; any may be left out (no limit). */
export const windowLimitsSchema = z
  .object({
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    max_concurrency: z.number().int().positive().optional(),
  })
  .strict()

/** A key's limits: its own windows, plus optional windows per model it calls (model name or glob → limits). */
export const rateLimitsSchema = windowLimitsSchema
  .extend({ models: z.record(z.string().min(1), windowLimitsSchema).optional() })
  .strict()

export const budgetSchema = z
  .object({ usd: z.number().nonnegative(), period: z.enum(['day', 'week', 'month', 'total']).default('month') })
  .strict()

export const limitsConfigSchema = z
  .object({
    /** What to do while the shared store (Redis) is unreachable: keep serving with a local limiter, or refuse. */
    on_store_error: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
    /** Global limits per model name as clients send it, shared by every key: protects the upstream quota. */
    models: z.record(z.string(), windowLimitsSchema).default({}),
    teams: z.record(z.string(), windowLimitsSchema.extend({ budget: budgetSchema.optional() }).strict()).default({}),
    /** Tokens reserved for the answer when a request sets neither max_tokens nor max_completion_tokens. */
    output_reserve_tokens: z.number().int().nonnegative().default(1024),
    /** A concurrency slot is a lease that the replica holding it renews; a crashed replica's slots expire after this. */
    concurrency_lease_seconds: z.number().int().min(5).default(60),
    /** Longest a request may hold its slot (renewals stop after this), so a request that never finishes cannot hold it forever. */
    max_request_seconds: z.number().int().positive().default(3600),
    /** How long usage counters are kept, per granularity. */
    usage_retention: z
      .object({ hourly_days: z.number().int().positive().default(35), daily_days: z.number().int().positive().default(400) })
      .strict()
      .default({ hourly_days: 35, daily_days: 400 }),
  })
  .strict()

export type WindowLimits = z.infer<typeof windowLimitsSchema>
export type RateLimits = z.infer<typeof rateLimitsSchema>
export type Budget = z.infer<typeof budgetSchema>
export type LimitsConfig = z.infer<typeof limitsConfigSchema>
