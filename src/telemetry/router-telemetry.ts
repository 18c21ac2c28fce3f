import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions'
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL } from './gen-ai-attributes.js'
import type { UpstreamError } from '../providers/upstream-error.js'
import type { CircuitState } from '../routing/circuit-breaker.js'
import type { AttemptResult, RouterHooks } from '../routing/router.js'
import type { TargetInfo } from '../routing/target-health.js'
import type { GatewayMetrics } from './metrics.js'
import { SeriesCache } from './series-cache.js'
import type { RequestLog } from '../request-log.js'
import { traceOf } from './request-trace.js'

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open']

type Inc = { inc(value?: number): void }

/** Error class of an upstream failure, as OTel's `error.type`: the HTTP status, or timeout / connection / protocol. */
function errorType(err: UpstreamError): string {
  return err.status !== undefined && err.kind !== 'timeout' && err.kind !== 'connection' ? String(err.status) : err.kind
}

/**
 * The router's hooks: attempts, retries, fallbacks and circuit changes become metrics, and, when the request is
 * traced, each attempt's span gets the target it went to. The Router lives as long as the process, so these do too.
 */
export class RouterTelemetry implements RouterHooks {
  private readonly attempts: SeriesCache<Inc>
  private readonly retries: SeriesCache<Inc>
  private readonly fallbacks: SeriesCache<Inc>
  private readonly circuits = new Set<string>()

  constructor(private readonly metrics: GatewayMetrics) {
    this.attempts = new SeriesCache(3, (...v) => metrics.attempts.labels(...v))
    this.retries = new SeriesCache(2, (...v) => metrics.retries.labels(...v))
    this.fallbacks = new SeriesCache(3, (...v) => metrics.fallbacks.labels(...v))
  }

  /** A target's circuit starts closed; its series exist from the config load on, so dashboards show every target. */
  knowTarget(info: Pick<TargetInfo, 'route' | 'id' | 'provider'>): void {
    const key = `${info.route}\u0000${info.id}`
    if (this.circuits.has(key)) return
    this.circuits.add(key)
    this.setCircuit(info, 'closed')
  }

  attempt(target: TargetInfo, result: AttemptResult, durationMs: number, error: UpstreamError | undefined, log: RequestLog): void {
    this.attempts.get(target.route, target.provider, result).inc()
    const rt = traceOf(log)
    if (!rt) return
    // The HTTP span of this attempt was opened by undici's channel; an in-process provider has none, so one is
    // made now with the attempt's start time.
    const pending = rt.pendingUpstream
    rt.pendingUpstream = undefined
    // One clock for both ends: OTel's own default end time is anchored differently and can land before the start.
    const endTime = performance.timeOrigin + performance.now()
    const span =
      pending?.span ??
      rt.tracing.tracer.startSpan(
        `${rt.operation ?? 'call'} ${target.model}`,
        {
          kind: SpanKind.CLIENT,
          startTime: endTime - durationMs,
          attributes: { [ATTR_GEN_AI_PROVIDER_NAME]: rt.upstreams.genAiProvider(target.provider), ...(rt.operation && { [ATTR_GEN_AI_OPERATION_NAME]: rt.operation }) },
        },
        rt.ctx,
      )
    if (rt.operation) span.updateName(`${rt.operation} ${target.model}`)
    span.setAttributes({ [ATTR_GEN_AI_REQUEST_MODEL]: target.model, 'switchyard.target': target.id, 'switchyard.attempt.result': result })
    if (error) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType(error))
      if (result === 'failure') span.setStatus({ code: SpanStatusCode.ERROR })
    }
    // Still open only when it is a stream's HTTP exchange: undici ends that one when the stream ends.
    if (!pending) span.end(endTime)
    else if (pending.endTime !== undefined) span.end(pending.endTime)
  }

  retry(target: TargetInfo): void {
    this.retries.get(target.route, target.provider).inc()
  }

  fallback(from: TargetInfo, to: TargetInfo): void {
    this.fallbacks.get(from.route, from.provider, to.provider).inc()
  }

  circuit(target: TargetInfo, _from: CircuitState, to: CircuitState): void {
    this.circuits.add(`${target.route}\u0000${target.id}`)
    this.setCircuit(target, to)
  }

  private setCircuit(info: Pick<TargetInfo, 'route' | 'id' | 'provider'>, state: CircuitState): void {
    for (const s of CIRCUIT_STATES) this.metrics.circuitState.set({ model: info.route, target: info.id, provider: info.provider, state: s }, s === state ? 1 : 0)
  }
}
