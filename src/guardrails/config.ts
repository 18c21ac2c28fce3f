import { z } from 'zod'
import { ENTITY_TYPES } from './pii/entity-types.js'

// The `guardrails:` section, also accepted under models[].guardrails and per key. Every field is
// optional so that an override says only what it changes (see mergeGuardrailsConfig); the defaults
// are applied when a policy is compiled (src/guardrails/policy.ts) and documented in config/README.md.

const piiAction = z.enum(['redact', 'mask', 'block', 'log', 'off'])
const entityName = z.enum(ENTITY_TYPES)

const piiSchema = z
  .object({
    /** The action for every entity type not listed in `entities` (default redact). */
    action: piiAction.optional(),
    /** Per entity type (Presidio names), overriding `action`. */
    entities: z.partialRecord(entityName, piiAction).optional(),
    /** Findings below this confidence are ignored (default 0.5). */
    min_confidence: z.number().min(0).max(1).optional(),
    /** Put the caller's redacted values back into the answer: all types, none, or the listed ones (default true). */
    restore_output: z.union([z.boolean(), z.array(entityName)]).optional(),
    /** What to do with PII the model itself writes in its answer (default off). */
    output_action: z.enum(['redact', 'mask', 'log', 'off']).optional(),
    /** Characters of a streamed answer held back so that PII split across chunks is still seen whole (default 32). */
    stream_lookahead_chars: z.number().int().min(8).max(1024).optional(),
  })
  .strict()

const injectionSchema = z
  .object({
    action: z.enum(['block', 'log', 'off']).optional(),
    /** Score at or above which the action applies (default 0.5, calibrated to about 1% false positives). */
    threshold: z.number().min(0).max(1).optional(),
  })
  .strict()

export const guardrailsConfigSchema = z.object({ pii: piiSchema.optional(), injection: injectionSchema.optional() }).strict()

export type GuardrailsConfig = z.infer<typeof guardrailsConfigSchema>
export type PiiConfig = z.infer<typeof piiSchema>
export type InjectionConfig = z.infer<typeof injectionSchema>
export type PiiAction = z.infer<typeof piiAction>

/**
 * An override on top of a base policy: each field the override sets wins, entity actions merge per
 * type. A section the override leaves out is inherited whole. Used for global → model → key.
 */
export function mergeGuardrailsConfig(base: GuardrailsConfig, override: GuardrailsConfig | undefined): GuardrailsConfig {
  if (override === undefined) return base
  const pii = base.pii === undefined || override.pii === undefined ? (override.pii ?? base.pii) : { ...base.pii, ...override.pii, entities: { ...base.pii.entities, ...override.pii.entities } }
  const injection = base.injection === undefined || override.injection === undefined ? (override.injection ?? base.injection) : { ...base.injection, ...override.injection }
  return { ...(pii !== undefined && { pii }), ...(injection !== undefined && { injection }) }
}
