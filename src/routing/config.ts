import { z } from 'zod'

/** `circuit_breaker:` in a `models` entry: one circuit per target of that model. Documented in config/README.md (Routing). */
export const circuitBreakerConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    consecutive_failures: z.number().int().nonnegative().default(5),
    failure_ratio: z.number().gt(0).max(1).default(0.5),
    min_requests: z.number().int().nonnegative().default(20),
    window_ms: z.number().int().positive().default(30_000),
    cooldown_ms: z.number().int().positive().default(10_000),
    max_cooldown_ms: z.number().int().positive().default(120_000),
  })
  .strict()
  .refine((c) => c.max_cooldown_ms >= c.cooldown_ms, { message: 'max_cooldown_ms must be at least cooldown_ms', path: ['max_cooldown_ms'] })

export type CircuitBreakerConfig = z.infer<typeof circuitBreakerConfigSchema>

/** The most targets one model may have: the router tracks tried targets in one 32-bit mask. */
export const MAX_TARGETS = 32
