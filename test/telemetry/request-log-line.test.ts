import { describe, expect, it } from 'vitest'
import { newRequestLog } from '../../src/request-log.js'
import { capturedBodies } from '../../src/telemetry/captured-bodies.js'
import { requestLogLine } from '../../src/telemetry/request-log-line.js'

const log = () =>
  Object.assign(newRequestLog('req-7', 'POST', '/v1/chat/completions'), {
    status: 200,
    api: 'openai' as const,
    keyId: 'key_01',
    keyName: 'app-a',
    team: 'search',
    model: 'gpt-4o-mini',
    provider: 'openai',
    targetModel: 'gpt-4o-mini',
    attempts: 2,
    fallbacks: 1,
    durationMs: 250.123456,
    upstreamMs: 249.5,
    ttftMs: 40.0004,
    inputTokens: 12,
    outputTokens: 4,
    costUsd: 0.0001,
    cache: 'miss' as const,
    guardrails: [{ rule: 'pii.EMAIL_ADDRESS', action: 'redact' }],
  })

describe('the request log line', () => {
  it('carries the request id, who, what, latency, overhead, tokens, cost, cache, guardrails and attempts', () => {
    expect(requestLogLine(log(), false)).toMatchObject({
      requestId: 'req-7',
      keyName: 'app-a',
      team: 'search',
      model: 'gpt-4o-mini',
      provider: 'openai',
      status: 200,
      latencyMs: 250.123,
      overheadMs: 0.623,
      ttftMs: 40,
      inputTokens: 12,
      outputTokens: 4,
      costUsd: 0.0001,
      cache: 'miss',
      guardrails: [{ rule: 'pii.EMAIL_ADDRESS', action: 'redact' }],
      attempts: 2,
      fallbacks: 1,
    })
  })

  it('has prompts and answers only when log_bodies is on', () => {
    const l = log()
    capturedBodies(l).messages = [{ role: 'user', content: 'my secret plan' }]
    capturedBodies(l).answer = [{ content: 'keep it secret' }]
    expect(JSON.stringify(requestLogLine(l, false))).not.toContain('secret')
    expect(requestLogLine(l, true)).toMatchObject({ messages: [{ role: 'user', content: 'my secret plan' }], answer: [{ content: 'keep it secret' }] })
  })
})
