import type { ChatMessage } from '../providers/types.js'
import type { RequestLog } from '../request-log.js'

/** What a request sent and got back, kept only with `telemetry.log_bodies: true` and written into its log line. */
export type CapturedBodies = {
  messages?: readonly ChatMessage[]
  answer?: { content: string | null; tool_calls?: Array<{ name: string; arguments: string }> }[]
}

// Keyed by the request's log record: the bodies live exactly as long as the request, and the RequestLog
// contract (names, never contents) stays as it is.
const captured = new WeakMap<RequestLog, CapturedBodies>()

export function capturedBodies(log: RequestLog): CapturedBodies {
  let bodies = captured.get(log)
  if (!bodies) captured.set(log, (bodies = {}))
  return bodies
}

export function peekCapturedBodies(log: RequestLog): CapturedBodies | undefined {
  return captured.get(log)
}
