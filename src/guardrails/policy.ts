import { createHash } from 'node:crypto'
import { type GuardrailsConfig, mergeGuardrailsConfig, type PiiAction } from './config.js'
import type { GuardrailModels } from './models.js'
import { compilePiiDetector, type PiiDetector } from './pii/detector.js'
import { ENTITY_TYPES, type EntityType } from './pii/entity-types.js'

export type CompiledPii = {
  detect: PiiDetector
  actions: ReadonlyMap<EntityType, Exclude<PiiAction, 'off'>>
  restore: ReadonlySet<EntityType>
  outputAction: 'redact' | 'mask' | 'log' | 'off'
  lookahead: number
}

export type CompiledInjection = { action: 'block' | 'log'; threshold: number }

/** One effective guardrail policy, compiled once and shared by every request it applies to. */
export type CompiledPolicy = {
  /** Stable across processes and reloads for the same effective settings; part of the cache scope. */
  id: string
  pii: CompiledPii | undefined
  injection: CompiledInjection | undefined
  models: GuardrailModels
}

// Defaults, applied here rather than in the schema so that an override only says what it changes.
const DEFAULTS = { piiAction: 'redact', minConfidence: 0.5, outputAction: 'off', lookahead: 32, injectionAction: 'block', threshold: 0.5 } as const

/** The fully defaulted settings: what the policy id is a hash of. */
function effectiveSettings(cfg: GuardrailsConfig) {
  const pii = cfg.pii
  const injection = cfg.injection
  return {
    pii:
      pii === undefined
        ? undefined
        : {
            actions: Object.fromEntries(ENTITY_TYPES.map((e) => [e, pii.entities?.[e] ?? pii.action ?? DEFAULTS.piiAction])) as Record<EntityType, PiiAction>,
            min_confidence: pii.min_confidence ?? DEFAULTS.minConfidence,
            restore: ENTITY_TYPES.filter((e) => (Array.isArray(pii.restore_output) ? pii.restore_output.includes(e) : (pii.restore_output ?? true))),
            output_action: pii.output_action ?? DEFAULTS.outputAction,
            lookahead: pii.stream_lookahead_chars ?? DEFAULTS.lookahead,
          },
    injection:
      injection === undefined || injection.action === 'off'
        ? undefined
        : { action: injection.action ?? DEFAULTS.injectionAction, threshold: injection.threshold ?? DEFAULTS.threshold },
  }
}

/**
 * Resolves and compiles the effective policy of a request (model settings, which already include
 * the global ones, overridden by the key's), caching compiled policies by id. The first lookup for
 * a pair of config objects hashes them; later ones hit an identity cache and cost nothing.
 */
export class GuardrailPolicies {
  private readonly byId = new Map<string, CompiledPolicy>()
  private readonly byConfig = new WeakMap<GuardrailsConfig, WeakMap<GuardrailsConfig | typeof NO_OVERRIDE, CompiledPolicy>>()

  constructor(private readonly models: GuardrailModels) {}

  resolve(modelConfig: GuardrailsConfig, keyConfig: GuardrailsConfig | undefined): CompiledPolicy {
    let perKey = this.byConfig.get(modelConfig)
    if (perKey === undefined) this.byConfig.set(modelConfig, (perKey = new WeakMap()))
    const keyRef = keyConfig ?? NO_OVERRIDE
    let policy = perKey.get(keyRef)
    if (policy === undefined) {
      policy = this.compile(mergeGuardrailsConfig(modelConfig, keyConfig))
      perKey.set(keyRef, policy)
    }
    return policy
  }

  /** A policy compiled earlier, by its id (the output guard finds the input guard's policy this way). */
  get(id: string): CompiledPolicy | undefined {
    return this.byId.get(id)
  }

  private compile(cfg: GuardrailsConfig): CompiledPolicy {
    const settings = effectiveSettings(cfg)
    const id = `gp_${createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16)}`
    const existing = this.byId.get(id)
    if (existing !== undefined) return existing
    const policy: CompiledPolicy = { id, pii: compilePii(settings.pii, this.models), injection: settings.injection, models: this.models }
    this.byId.set(id, policy)
    return policy
  }
}

const NO_OVERRIDE: GuardrailsConfig = Object.freeze({})

function compilePii(settings: ReturnType<typeof effectiveSettings>['pii'], models: GuardrailModels): CompiledPii | undefined {
  if (settings === undefined) return undefined
  const actions = new Map<EntityType, Exclude<PiiAction, 'off'>>()
  for (const e of ENTITY_TYPES) {
    const action = settings.actions[e]
    if (action !== 'off') actions.set(e, action)
  }
  if (actions.size === 0) return undefined
  return {
    detect: compilePiiDetector({ entities: new Set(actions.keys()), minConfidence: settings.min_confidence, tagger: models.tagger }),
    actions,
    restore: new Set(settings.restore),
    outputAction: settings.output_action,
    lookahead: settings.lookahead,
  }
}
