import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { screenOutcome } from '../guardrails/guard-response.js'
import type { GuardrailPolicies } from '../guardrails/policy.js'
import { passedThrough } from './input-guard.js'

/**
 * Output guardrails, after the cache and before the route: on the way out, scans the upstream's
 * answer for PII and redacts, masks or logs it per the policy's `output_action` (streams through a
 * bounded look-ahead). The cache stores what this produced, so a hit is already screened.
 */
export const outputGuard = (policies: GuardrailPolicies): MiddlewareHandler<AppEnv> => {
  return async function outputGuard(c, next) {
    await next()
    const outcome = c.get('outcome')
    const policyId = c.get('guardrail')?.policyId
    const pii = policyId === undefined ? undefined : policies.get(policyId)?.pii
    if (c.error || outcome === undefined || pii === undefined || pii.outputAction === 'off') return
    const log = c.get('log')
    c.set(
      'outcome',
      screenOutcome(outcome, pii, (trigger) => {
        log.guardrails.push(trigger)
        if (passedThrough(trigger)) c.set('guardrail', { ...c.get('guardrail'), flagged: true })
      }),
    )
  }
}
