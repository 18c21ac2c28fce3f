import { z } from 'zod'
import { cacheConfigSchema, cacheOverrideSchema, defaultCacheConfig } from '../cache/config.js'
import { guardrailsConfigSchema } from '../guardrails/config.js'
import { budgetSchema, limitsConfigSchema, rateLimitsSchema } from '../limits/config.js'
import { priceEntrySchema } from '../pricing/config.js'
import { telemetryConfigSchema } from '../telemetry/config.js'
import { circuitBreakerConfigSchema, MAX_TARGETS } from '../routing/config.js'

// The one schema for config/gateway.yaml. Every option is documented in config/README.md.

const providerBase = {
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  headers: z.record(z.string(), z.string()).default({}),
  timeout_ms: z.number().int().positive().optional(),
}

const httpProvider = {
  ...providerBase,
  base_url: z.url(),
  api_key: z.string().default(''),
  max_connections: z.number().int().positive().default(256),
}

export const providerConfigSchema = z.discriminatedUnion('type', [
  z.object({ ...httpProvider, type: z.literal('openai'), organization: z.string().optional() }).strict(),
  z.object({ ...httpProvider, type: z.literal('openai-compatible'), include_usage: z.boolean().default(true) }).strict(),
  z
    .object({
      ...httpProvider,
      type: z.literal('anthropic'),
      version: z.string().default('2023-06-01'),
      default_max_tokens: z.number().int().positive().default(4096),
    })
    .strict(),
  z
    .object({
      ...providerBase,
      type: z.literal('llama'),
      model_path: z.string().min(1),
      threads: z.number().int().positive().default(1),
      context_size: z.number().int().positive().default(2048),
      parallel: z.number().int().positive().default(1),
      max_queue: z.number().int().nonnegative().default(64),
      default_max_tokens: z.number().int().positive().default(256),
    })
    .strict(),
])

const targetSchema = z
  .object({
    provider: z.string(),
    model: z.string().min(1),
    weight: z.number().positive().default(1),
  })
  .strict()

const statusList = z.array(z.number().int().min(100).max(599))

export const modelConfigSchema = z
  .object({
    name: z.string().min(1),
    strategy: z.enum(['priority', 'weighted', 'lowest-latency', 'lowest-cost', 'least-busy']).default('priority'),
    targets: z.array(targetSchema).min(1).max(MAX_TARGETS),
    retries: z
      .object({
        attempts: z.number().int().min(0).max(10).default(1),
        backoff_ms: z.number().int().nonnegative().default(100),
        max_backoff_ms: z.number().int().nonnegative().default(2000),
        max_retry_after_ms: z.number().int().nonnegative().default(10_000),
      })
      .strict()
      .default({ attempts: 1, backoff_ms: 100, max_backoff_ms: 2000, max_retry_after_ms: 10_000 }),
    timeout_ms: z.number().int().positive().default(600_000),
    first_token_timeout_ms: z.number().int().positive().optional(),
    fallback_on: z.array(z.union([z.number().int(), z.enum(['timeout', 'connection'])])).optional(),
    circuit_breaker: circuitBreakerConfigSchema.prefault({}),
    embeddings: z.boolean().default(false),
    guardrails: guardrailsConfigSchema.optional(),
    cache: cacheOverrideSchema.optional(),
  })
  .strict()

const staticKeySchema = z
  .object({
    key: z.string().min(1),
    name: z.string().min(1),
    team: z.string().optional(),
    models: z.array(z.string()).default(['*']),
    limits: rateLimitsSchema.optional(),
    budget: budgetSchema.optional(),
    guardrails: guardrailsConfigSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        body_limit_bytes: z.number().int().positive().default(4 * 1024 * 1024),
        drain_timeout_ms: z.number().int().nonnegative().default(20_000),
        keep_alive_timeout_ms: z.number().int().positive().default(65_000),
        workers: z.number().int().positive().default(1),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, body_limit_bytes: 4 * 1024 * 1024, drain_timeout_ms: 20_000, keep_alive_timeout_ms: 65_000, workers: 1 }),
    store: z
      .object({ redis_url: z.string().default(''), command_timeout_ms: z.number().int().positive().default(50), key_prefix: z.string().default('sy:') })
      .strict()
      .default({ redis_url: '', command_timeout_ms: 50, key_prefix: 'sy:' }),
    auth: z
      .object({
        mode: z.enum(['none', 'keys']).default('none'),
        admin_key: z.string().default(''),
        keys: z.array(staticKeySchema).default([]),
      })
      .strict()
      .default({ mode: 'none', admin_key: '', keys: [] }),
    providers: z.array(providerConfigSchema).default([]),
    models: z.array(modelConfigSchema).default([]),
    limits: limitsConfigSchema.prefault({}),
    guardrails: guardrailsConfigSchema.default({}),
    cache: cacheConfigSchema.default(defaultCacheConfig),
    telemetry: telemetryConfigSchema.prefault({}),
    pricing: z.array(priceEntrySchema).optional(),
    pricing_file: z.string().default('pricing.yaml'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const providers = new Set<string>()
    cfg.providers.forEach((p, i) => {
      if (providers.has(p.name)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'name'], message: `duplicate provider name '${p.name}'` })
      providers.add(p.name)
    })
    const models = new Set<string>()
    cfg.models.forEach((m, i) => {
      if (models.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name '${m.name}'` })
      models.add(m.name)
      m.targets.forEach((t, j) => {
        if (!providers.has(t.provider))
          ctx.addIssue({ code: 'custom', path: ['models', i, 'targets', j, 'provider'], message: `unknown provider '${t.provider}'` })
      })
    })
    if (cfg.auth.mode === 'keys' && cfg.auth.keys.length === 0 && !cfg.auth.admin_key)
      ctx.addIssue({ code: 'custom', path: ['auth', 'admin_key'], message: 'auth.mode keys needs static keys or an admin_key to create virtual keys' })
  })

export type Config = z.infer<typeof configSchema>
export type ProviderConfig = z.infer<typeof providerConfigSchema>
export type ModelConfig = z.infer<typeof modelConfigSchema>
export type StaticKeyConfig = z.infer<typeof staticKeySchema>
