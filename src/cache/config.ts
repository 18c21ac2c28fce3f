import { z } from 'zod'

// Owned by the semantic-cache work: the `cache:` section, also accepted under models[].cache.
export const cacheConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    scope: z.enum(['key', 'team', 'shared']).default('key'),
    ttl_seconds: z.number().int().positive().default(3600),
    exact: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
    semantic: z
      .object({
        enabled: z.boolean().default(true),
        threshold: z.number().min(0).max(1).optional(),
        max_turns: z.number().int().positive().default(4),
        embedding: z
          .object({ kind: z.enum(['onnx', 'static', 'default']).default('default'), path: z.string().optional() })
          .strict()
          .default({ kind: 'default' }),
      })
      .strict()
      .default({ enabled: true, max_turns: 4, embedding: { kind: 'default' } }),
  })
  .strict()

export type CacheConfig = z.infer<typeof cacheConfigSchema>
