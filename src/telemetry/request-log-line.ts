import type { RequestLog } from '../request-log.js'
import { peekCapturedBodies } from './captured-bodies.js'

const ms = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 1000) / 1000)

/**
 * The one log line of a request: who (key name and team, never the key), what (model, provider, target),
 * how it went (status, latency, overhead, TTFT, attempts, cache, guardrail actions, tokens, cost). Prompts and
 * answers only when `telemetry.log_bodies` captured them. Undefined fields are left out by pino.
 */
export function requestLogLine(log: RequestLog, withBodies: boolean): Record<string, unknown> {
  const overheadMs = log.durationMs === undefined ? undefined : Math.max(0, log.durationMs - log.upstreamMs)
  const line: Record<string, unknown> = {
    requestId: log.requestId,
    method: log.method,
    path: log.path,
    status: log.status,
    api: log.api,
    stream: log.stream,
    keyId: log.keyId,
    keyName: log.keyName,
    team: log.team,
    model: log.model,
    provider: log.provider,
    targetModel: log.targetModel,
    attempts: log.attempts,
    fallbacks: log.fallbacks,
    latencyMs: ms(log.durationMs),
    upstreamMs: ms(log.upstreamMs),
    overheadMs: ms(overheadMs),
    ttftMs: ms(log.ttftMs),
    inputTokens: log.inputTokens,
    outputTokens: log.outputTokens,
    cachedInputTokens: log.cachedInputTokens,
    costUsd: log.costUsd,
    cache: log.cache,
    cacheLookupMs: ms(log.cacheLookupMs),
    guardrails: log.guardrails.length ? log.guardrails : undefined,
    rejected: log.rejected,
    errorCode: log.errorCode,
    finishReason: log.finishReason,
  }
  if (withBodies) {
    const bodies = peekCapturedBodies(log)
    if (bodies) {
      line.messages = bodies.messages
      line.answer = bodies.answer
    }
  }
  return line
}
