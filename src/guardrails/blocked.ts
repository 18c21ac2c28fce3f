import { GatewayError } from '../errors.js'

/** The 400 a blocking rule answers with: it names the rule, never the text that matched. */
export const guardrailBlocked = (rule: string): GatewayError =>
  new GatewayError(400, 'invalid_request_error', 'guardrail_blocked', `The request was blocked by the guardrail rule '${rule}'.`)
