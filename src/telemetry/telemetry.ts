import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { Context, Handler, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { metricsHandler } from '../handlers/metrics.js'
import { overheadMs, type RequestLog } from '../request-log.js'
import type { Runtime } from '../runtime.js'
import { metricsSource } from './cluster-metrics.js'
import type { TracingConfig } from './config.js'
import type { Logger } from './logger.js'
import { createMetrics, type GatewayMetrics, type ScrapeSources } from './metrics.js'
import { requestLogLine } from './request-log-line.js'
import { RequestMetrics } from './request-metrics.js'
import { endRequestTrace, startRequestTrace } from './request-span.js'
import { registerTrace, unregisterTrace, type RequestTrace } from './request-trace.js'
import { RouterTelemetry } from './router-telemetry.js'
import { traceStep } from './step-span.js'
import { createTracing, type Tracing } from './tracing.js'
import { UpstreamDirectory } from './upstream-directory.js'
import { useUpstreamSpans } from './upstream-spans.js'

/** What the app is built with for one config load (see src/app.ts). */
export type RequestTelemetry = {
  /** The context step's `onFinish`: metrics and the request's log line. */
  onFinish(log: RequestLog): void
  /** Mount on the API paths right after context: in-flight gauge, request span, `x-switchyard-overhead-ms`. */
  observe: MiddlewareHandler<AppEnv>
  /** Wraps a chain step in a child span when tracing is on; returns the step itself when it is off. */
  traceStep(step: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv>
  /** `GET <telemetry.metrics.path>`, or undefined when metrics are off. */
  metrics: { path: string; handler: Handler<AppEnv> } | undefined
}

const PROBE_PATHS = ['/healthz', '/readyz']

type ActiveTracing = { key: string; tracing: Tracing; release: () => void }

/**
 * The gateway's telemetry, created once per process: the metric registry and the router hooks outlive config
 * reloads (counters must not restart), while each config load compiles its own RequestTelemetry. Tracing is
 * rebuilt only when the `tracing:` section changed.
 */
export class Telemetry {
  readonly metrics: GatewayMetrics
  readonly routerHooks: RouterTelemetry
  private readonly sources: ScrapeSources = {}
  private readonly requestMetrics: RequestMetrics
  private readonly scrape: () => Promise<string>
  private tracing: ActiveTracing | undefined
  private readonly retiring = new Set<ActiveTracing>()

  constructor(private readonly opts: { logger: Logger; spanExporter?: SpanExporter }) {
    this.metrics = createMetrics(this.sources)
    this.routerHooks = new RouterTelemetry(this.metrics)
    this.requestMetrics = new RequestMetrics(this.metrics)
    this.scrape = metricsSource(this.metrics.registry, (reason) => opts.logger.warn({ reason }, 'cluster metrics unavailable; serving this worker only'))
  }

  /** The shared store's state is read at each scrape (`switchyard_store_degraded`). */
  watchStore(store: { state(): { backend: string; status: 'ok' | 'degraded' } }): void {
    this.sources.store = () => store.state()
  }

  compile(rt: Runtime): RequestTelemetry {
    const cfg = rt.config.telemetry
    const logger = this.opts.logger
    const upstreams = new UpstreamDirectory(rt.config.providers)
    const metricsOn = cfg.metrics.enabled
    if (metricsOn) this.requestMetrics.configure(rt.config, upstreams)
    for (const model of rt.models.values()) for (const target of model.route.targets) this.routerHooks.knowTarget(target.health.info)
    const tracing = this.useTracing(cfg.tracing, rt.config.server.drain_timeout_ms)
    const quiet = new Set([...PROBE_PATHS, cfg.metrics.path])
    const requestMetrics = this.requestMetrics
    const inFlight = this.metrics.inFlight

    const onFinish = (log: RequestLog) => {
      // Runs after the answer was built: a telemetry bug is logged, never turned into a failed request.
      try {
        if (metricsOn) requestMetrics.record(log)
        if (!cfg.log_requests) return
        if (quiet.has(log.path)) {
          if (logger.isLevelEnabled('debug')) logger.debug(requestLogLine(log, false), 'request')
        }
        else logger.info(requestLogLine(log, cfg.log_bodies), 'request')
      } catch (err) {
        logger.error({ requestId: log.requestId, err: { type: (err as Error).name, message: (err as Error).message } }, 'telemetry failed for a request')
      }
    }

    /** The request (and its stream) has ended: out of the in-flight count, and its span ends. */
    const finish = (c: Context<AppEnv>, rt: RequestTrace | undefined, overheadMs: number) => {
      inFlight.dec()
      if (!rt) return
      const log = c.get('log')
      unregisterTrace(log, rt)
      endRequestTrace(rt, log, log.status ?? c.res.status, c.get('request'), overheadMs)
    }

    const observe: MiddlewareHandler<AppEnv> = async function observe(c, next) {
      inFlight.inc()
      let rt: RequestTrace | undefined
      try {
        if (tracing) {
          rt = startRequestTrace(tracing, upstreams, c.req.raw, c.req.path, c.get('requestId'))
          registerTrace(c.get('log'), rt)
        }
        await next()
      } finally {
        // c.get, not c.var: Hono builds a fresh object of every variable on each c.var access.
        const log = c.get('log')
        const startedAt = c.get('startedAt')
        const streamEnd = c.get('streamEnd')
        // Everything but the wait for upstreams. A stream's is only known at its end: metric and span only.
        if (streamEnd) void streamEnd.then(() => finish(c, rt, performance.now() - startedAt - log.upstreamMs))
        else {
          const overhead = overheadMs(log, startedAt)
          // Responses built from the collected headers carry it already (src/api/response-headers.ts).
          if (!c.get('responseHeadersMerged')) c.res.headers.set('x-switchyard-overhead-ms', overhead.toFixed(3))
          finish(c, rt, overhead)
        }
      }
    }

    return {
      onFinish,
      observe,
      traceStep: tracing ? traceStep : (step) => step,
      metrics: metricsOn ? { path: cfg.metrics.path, handler: metricsHandler({ scrape: this.scrape, contentType: this.metrics.registry.contentType, bearerToken: cfg.metrics.bearer_token }) } : undefined,
    }
  }

  async close(): Promise<void> {
    if (this.tracing) this.retiring.add(this.tracing)
    this.tracing = undefined
    await Promise.all([...this.retiring].map((old) => this.stop(old)))
  }

  private useTracing(cfg: TracingConfig, drainMs: number): Tracing | undefined {
    const key = cfg.enabled ? JSON.stringify(cfg) : ''
    if (this.tracing?.key === key) return this.tracing.tracing
    if (this.tracing) this.retire(this.tracing, drainMs)
    this.tracing = undefined
    if (!cfg.enabled) return undefined
    this.tracing = { key, tracing: createTracing(cfg, { exporter: this.opts.spanExporter }), release: useUpstreamSpans() }
    return this.tracing.tracing
  }

  /** A replaced tracer keeps serving the requests that started with it, then flushes and stops. */
  private retire(old: ActiveTracing, afterMs: number): void {
    this.retiring.add(old)
    setTimeout(() => void this.stop(old), afterMs).unref()
  }

  private async stop(old: ActiveTracing): Promise<void> {
    if (!this.retiring.delete(old)) return
    old.release()
    await old.tracing.shutdown().catch((err: Error) => this.opts.logger.warn({ reason: err.message }, 'tracing shutdown failed'))
  }
}
