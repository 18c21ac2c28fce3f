import type { GuardrailsConfig } from './guardrails/config.js'
import type { Budget, RateLimits } from './limits/config.js'
import type { Outcome } from './outcome.js'
import type { ChatRequest } from './providers/types.js'
import type { RequestLog } from './request-log.js'
import type { ResolvedModel } from './routing/resolved-model.js'

/** Who is calling: a static or virtual key, or `anonymous` when auth.mode is none. Never holds the secret. */
export type Principal = {
  id: string
  name: string
  team?: string
  /** Glob patterns of model names this key may use. */
  models: string[]
  limits?: RateLimits
  budget?: Budget
  guardrails?: GuardrailsConfig
  metadata: Record<string, unknown>
}

/** The request-scoped variables, each set by one step of the chain (see src/app.ts). */
export type AppVariables = {
  /** context */
  requestId: string
  startedAt: number
  log: RequestLog
  /** auth */
  principal: Principal
  /** api decode: which wire format the client speaks, and the canonical request (steps may replace it) */
  api: 'openai' | 'anthropic'
  request: ChatRequest
  model: ResolvedModel
  /** input guard: whether any guardrail flagged the request, and an id of the effective policy (cache scope) */
  guardrail: { flagged: boolean; policyId: string }
  /** route, then transformed on the way out */
  outcome: Outcome
  /** extra response headers collected on the way (request id, rate-limit headers, cache result …) */
  responseHeaders: Record<string, string>
  /**
   * Set by whatever built the response with `responseHeaders` in it (src/api/response-headers.ts), so the steps
   * outside leave the built Response alone: adding a header to it afterwards costs a whole Headers object.
   */
  responseHeadersMerged: boolean
  /** set by the api step when it answers with a stream: settles when the stream has ended for any reason */
  streamEnd: Promise<void> | undefined
}

export type AppEnv = { Variables: AppVariables }
