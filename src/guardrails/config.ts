import { z } from 'zod'

// Owned by the guardrails work: the `guardrails:` section, also accepted under models[].guardrails and per key.
const action = z.enum(['redact', 'mask', 'block', 'log', 'off'])

export const guardrailsConfigSchema = z
  .object({
    pii: z
      .object({
        action: action.default('redact'),
        restore_output: z.boolean().default(true),
        output_action: z.enum(['redact', 'mask', 'log', 'off']).default('off'),
        entities: z.record(z.string(), action).default({}),
        min_confidence: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
    injection: z
      .object({
        action: z.enum(['block', 'log', 'off']).default('block'),
        threshold: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
  })
  .strict()

export type GuardrailsConfig = z.infer<typeof guardrailsConfigSchema>
