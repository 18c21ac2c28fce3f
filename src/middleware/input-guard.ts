import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { guardrailBlocked } from '../guardrails/blocked.js'
import { restoreOutcome } from '../guardrails/guard-response.js'
import { guardRequest } from '../guardrails/guard-request.js'
import type { GuardrailPolicies } from '../guardrails/policy.js'

/** A trigger whose text reached the upstream (or the answer) as it was. */
export const passedThrough = (t: { action: string }) => t.action !== 'redact' && t.action !== 'mask'

/**
 * Input guardrails, before the cache: resolves the request's policy (model settings overridden by
 * the key's), checks for prompt injection, and redacts, masks, logs or blocks PII. The upstream and
 * the cache only ever see the redacted request. On the way out it puts the caller's own values back
 * into whatever answer came back (from the upstream or the cache), JSON or stream.
 */
export const inputGuard = (policies: GuardrailPolicies): MiddlewareHandler<AppEnv> => {
  return async function inputGuard(c, next) {
    const policy = policies.resolve(c.get('model').guardrails, c.get('principal')?.guardrails)
    const guarded = guardRequest(policy, c.get('request'))
    const log = c.get('log')
    for (const t of guarded.triggers) log.guardrails.push(t)
    // Flagged (never cached): a finding that went on unchanged (`log`). Redacted or masked PII is not: the cache
    // keeps the redacted form and each hit is restored with its own caller's values (DESIGN.md, Clarifications).
    c.set('guardrail', { flagged: guarded.triggers.some(passedThrough), policyId: policy.id })
    if (guarded.blockedBy !== undefined) {
      log.rejected = 'guardrail'
      throw guardrailBlocked(guarded.blockedBy)
    }
    if (guarded.request !== c.get('request')) c.set('request', guarded.request)

    await next()
    const vault = guarded.vault
    const outcome = c.get('outcome')
    if (vault?.canRestore && outcome !== undefined && !c.error) c.set('outcome', restoreOutcome(outcome, vault))
  }
}
