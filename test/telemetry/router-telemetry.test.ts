import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { UpstreamError } from '../../src/providers/upstream-error.js'
import { newRequestLog } from '../../src/request-log.js'
import { createMetrics } from '../../src/telemetry/metrics.js'
import { startRequestTrace } from '../../src/telemetry/request-span.js'
import { registerTrace, unregisterTrace } from '../../src/telemetry/request-trace.js'
import { RouterTelemetry } from '../../src/telemetry/router-telemetry.js'
import { createTracing } from '../../src/telemetry/tracing.js'
import { UpstreamDirectory } from '../../src/telemetry/upstream-directory.js'
import { parsePrometheusText, total } from './prometheus-text.js'

const local = { route: 'tiny', id: 'local/qwen', provider: 'local', model: 'qwen2.5-0.5b' }

describe('router hooks', () => {
  it('an attempt with no HTTP exchange (an in-process provider) still gets its span, dated from its duration', () => {
    const exporter = new InMemorySpanExporter()
    const tracing = createTracing(configSchema.parse({}).telemetry.tracing, { exporter })
    const hooks = new RouterTelemetry(createMetrics())
    const log = newRequestLog('r1', 'POST', '/v1/chat/completions')
    const rt = startRequestTrace(tracing, new UpstreamDirectory([]), new Request('http://gw/v1/chat/completions', { method: 'POST' }), '/v1/chat/completions', 'r1')
    registerTrace(log, rt)
    hooks.attempt(local, 'failure', 40, new UpstreamError('local', 'timeout', 'too slow'), log)
    hooks.attempt(local, 'success', 12, undefined, log)
    unregisterTrace(log, rt)
    const [failed, ok] = exporter.getFinishedSpans()
    expect(failed).toMatchObject({ name: 'chat qwen2.5-0.5b', kind: SpanKind.CLIENT, status: { code: SpanStatusCode.ERROR } })
    expect(failed!.attributes).toMatchObject({ 'error.type': 'timeout', 'switchyard.attempt.result': 'failure', 'gen_ai.provider.name': 'local', 'switchyard.target': 'local/qwen' })
    expect(ok!.attributes['switchyard.attempt.result']).toBe('success')
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6
    // Started when the attempt began: its reported duration before the hook ran.
    expect(ms(failed!.endTime) - ms(failed!.startTime)).toBeGreaterThanOrEqual(39.999)
  })

  it('counts attempts, retries and fallbacks, and keeps each target’s circuit state', async () => {
    const m = createMetrics()
    const hooks = new RouterTelemetry(m)
    const other = { ...local, id: 'openai/gpt-4o-mini', provider: 'openai' }
    hooks.knowTarget(local)
    hooks.knowTarget(other)
    const log = newRequestLog('r2', 'POST', '/v1/chat/completions')
    hooks.attempt(local, 'failure', 5, new UpstreamError('local', 'connection', 'refused'), log)
    hooks.retry(local)
    hooks.fallback(local, other)
    hooks.circuit(local, 'closed', 'open')
    const f = parsePrometheusText(await m.registry.metrics())
    expect(total(f, 'switchyard_upstream_attempts_total', { model: 'tiny', provider: 'local', result: 'failure' })).toBe(1)
    expect(total(f, 'switchyard_upstream_retries_total', { model: 'tiny', provider: 'local' })).toBe(1)
    expect(total(f, 'switchyard_fallbacks_total', { model: 'tiny', from_provider: 'local', to_provider: 'openai' })).toBe(1)
    expect(total(f, 'switchyard_circuit_state', { target: 'local/qwen', state: 'open' })).toBe(1)
    expect(total(f, 'switchyard_circuit_state', { target: 'local/qwen', state: 'closed' })).toBe(0)
    expect(total(f, 'switchyard_circuit_state', { target: 'openai/gpt-4o-mini', state: 'closed' })).toBe(1)
  })
})
