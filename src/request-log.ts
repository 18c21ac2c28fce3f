import type { CacheResult } from './outcome.js'

/**
 * Everything one request records about itself. Each step fills in its own fields; at the end the
 * context step writes it as one log line and telemetry turns it into metrics. Holds names, never
 * secrets, prompts or answers.
 */
export type RequestLog = {
  requestId: string
  method: string
  path: string
  status?: number
  api?: 'openai' | 'anthropic' | 'embeddings'
  stream?: boolean
  keyId?: string
  keyName?: string
  team?: string
  model?: string
  provider?: string
  targetModel?: string
  attempts?: number
  fallbacks?: number
  /** Milliseconds spent waiting on upstreams (connect to last byte), subtracted to get gateway overhead. */
  upstreamMs: number
  /** Milliseconds from request start until the response (and its stream) ended; set just before onFinish. */
  durationMs?: number
  /** Milliseconds from request start to the first byte of the answer sent to the client. */
  ttftMs?: number
  inputTokens?: number
  outputTokens?: number
  cachedInputTokens?: number
  costUsd?: number
  cache?: CacheResult
  cacheLookupMs?: number
  cacheScore?: number
  guardrails: Array<{ rule: string; action: string }>
  rejected?: 'rate_limit' | 'budget' | 'concurrency' | 'auth' | 'guardrail'
  errorCode?: string
  finishReason?: string
}

/** Time so far minus the time spent waiting on upstreams: what the gateway itself took. */
export function overheadMs(log: RequestLog, startedAt: number): number {
  return Math.max(0, performance.now() - startedAt - log.upstreamMs)
}

export function newRequestLog(requestId: string, method: string, path: string): RequestLog {
  return { requestId, method, path, upstreamMs: 0, guardrails: [] }
}
