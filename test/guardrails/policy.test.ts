import { describe, expect, it } from 'vitest'
import { guardrailsConfigSchema, mergeGuardrailsConfig } from '../../src/guardrails/config.js'
import { loadGuardrailModels } from '../../src/guardrails/models.js'
import { GuardrailPolicies } from '../../src/guardrails/policy.js'

const models = loadGuardrailModels()

describe('guardrails config', () => {
  it('accepts the documented shape and rejects unknown entity types', () => {
    const cfg = guardrailsConfigSchema.parse({
      pii: { action: 'redact', restore_output: true, output_action: 'redact', entities: { CREDIT_CARD: 'block', PERSON: 'log' } },
      injection: { action: 'block', threshold: 0.5 },
    })
    expect(cfg.pii?.entities).toEqual({ CREDIT_CARD: 'block', PERSON: 'log' })
    expect(guardrailsConfigSchema.safeParse({ pii: { entities: { NOT_A_TYPE: 'block' } } }).success).toBe(false)
  })

  it('merges overrides field by field, entity actions per type', () => {
    const merged = mergeGuardrailsConfig(
      { pii: { action: 'redact', entities: { PERSON: 'log', EMAIL_ADDRESS: 'mask' } }, injection: { action: 'block' } },
      { pii: { entities: { PERSON: 'block' } } },
    )
    expect(merged).toEqual({ pii: { action: 'redact', entities: { PERSON: 'block', EMAIL_ADDRESS: 'mask' } }, injection: { action: 'block' } })
  })
})

describe('compiled policies', () => {
  it('compiles each effective policy once, with an id that only depends on the settings', () => {
    const policies = new GuardrailPolicies(models)
    const modelCfg = { pii: { action: 'redact' as const } }
    const a = policies.resolve(modelCfg, undefined)
    expect(policies.resolve(modelCfg, undefined)).toBe(a)
    // Spelling out a default gives the same policy (same cache scope).
    expect(policies.resolve({ pii: { action: 'redact', min_confidence: 0.5 } }, undefined)).toBe(a)
    expect(new GuardrailPolicies(models).resolve(modelCfg, undefined).id).toBe(a.id)
    const keyed = policies.resolve(modelCfg, { pii: { entities: { CREDIT_CARD: 'block' } } })
    expect(keyed.id).not.toBe(a.id)
    expect(keyed.pii?.actions.get('CREDIT_CARD')).toBe('block')
    expect(keyed.pii?.actions.get('EMAIL_ADDRESS')).toBe('redact')
    expect(policies.get(keyed.id)).toBe(keyed)
  })

  it('runs nothing that is not configured', () => {
    const none = new GuardrailPolicies(models).resolve({}, undefined)
    expect(none.pii).toBeUndefined()
    expect(none.injection).toBeUndefined()
    const off = new GuardrailPolicies(models).resolve({ pii: { action: 'off' }, injection: { action: 'off' } }, undefined)
    expect(off.pii).toBeUndefined()
    expect(off.injection).toBeUndefined()
  })
})
