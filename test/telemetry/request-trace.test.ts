import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { newRequestLog } from '../../src/request-log.js'
import { startRequestTrace } from '../../src/telemetry/request-span.js'
import { registerTrace, traceByRequestId, traceOf, unregisterTrace } from '../../src/telemetry/request-trace.js'
import { createTracing } from '../../src/telemetry/tracing.js'
import { UpstreamDirectory } from '../../src/telemetry/upstream-directory.js'
import { configSchema } from '../../src/config/schema.js'

const tracing = createTracing(configSchema.parse({}).telemetry.tracing, { exporter: new InMemorySpanExporter() })
const upstreams = new UpstreamDirectory([])
const start = (requestId: string) => {
  const log = newRequestLog(requestId, 'POST', '/v1/chat/completions')
  const rt = startRequestTrace(tracing, upstreams, new Request('http://gw/v1/chat/completions', { method: 'POST' }), '/v1/chat/completions', requestId)
  registerTrace(log, rt)
  return { log, rt }
}

describe('finding a request’s trace', () => {
  it('by its log record and by its request id while it is in flight', () => {
    const a = start('req-a')
    expect(traceOf(a.log)).toBe(a.rt)
    expect(traceByRequestId('req-a')).toBe(a.rt)
    expect(trace.getSpan(a.rt.ctx)).toBe(a.rt.root)
    unregisterTrace(a.log, a.rt)
    expect(traceOf(a.log)).toBeUndefined()
    expect(traceByRequestId('req-a')).toBeUndefined()
  })

  it('two requests in flight with the same request id are ambiguous until both have ended', () => {
    const first = start('dup')
    const second = start('dup')
    expect(traceByRequestId('dup')).toBeUndefined()
    expect(traceOf(second.log)).toBe(second.rt)
    unregisterTrace(first.log, first.rt)
    expect(traceByRequestId('dup')).toBeUndefined()
    unregisterTrace(second.log, second.rt)
    const third = start('dup')
    expect(traceByRequestId('dup')).toBe(third.rt)
    unregisterTrace(third.log, third.rt)
  })
})
