import { z } from 'zod'

// The `telemetry:` section. Every option is documented in config/README.md under "Telemetry".

const metricsSchema = z
  .object({
    enabled: z.boolean().default(true),
    path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'a URL path such as /metrics').default('/metrics'),
    /** When set, a scrape must send `Authorization: Bearer <token>`. */
    bearer_token: z.string().default(''),
    /** Label token and cost series with the key's name; off leaves `key_name` empty. */
    key_name_labels: z.boolean().default(true),
    /** Distinct key names (and team names) that get their own series; later ones are counted under `_other`. */
    max_key_names: z.number().int().positive().default(500),
  })
  .strict()

const tracingSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** OTLP/HTTP collector root; spans are posted to `<otlp_endpoint>/v1/traces`. */
    otlp_endpoint: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:4318'),
    /** Fraction of new traces kept; a caller's `traceparent` sampled flag is always followed. */
    sample_ratio: z.number().min(0).max(1).default(1),
    service_name: z.string().min(1).default('switchyard'),
    /** Extra headers on every export request (a collector's auth token, a tenant id). */
    headers: z.record(z.string(), z.string()).default({}),
    export_timeout_ms: z.number().int().positive().default(10_000),
  })
  .strict()

export const telemetryConfigSchema = z
  .object({
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** One log line per API request. */
    log_requests: z.boolean().default(true),
    /** Put prompts and answers into the request log line. Off by default: they may hold personal data. */
    log_bodies: z.boolean().default(false),
    metrics: metricsSchema.prefault({}),
    tracing: tracingSchema.prefault({}),
  })
  .strict()

export type TracingConfig = z.infer<typeof tracingSchema>
