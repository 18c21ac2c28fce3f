import { createRequire } from 'node:module'
import type { Tracer } from '@opentelemetry/api'
import type * as OtelCore from '@opentelemetry/core'
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http'
import type * as OtelResources from '@opentelemetry/resources'
import type * as TraceBase from '@opentelemetry/sdk-trace-base'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import type { TracingConfig } from './config.js'

// The SDK and the exporter (~10 MB of memory) are loaded when tracing is first turned on, not by every gateway.
const require = createRequire(import.meta.url)
const sdk = () => ({
  core: require('@opentelemetry/core') as typeof OtelCore,
  otlp: require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp,
  resources: require('@opentelemetry/resources') as typeof OtelResources,
  base: require('@opentelemetry/sdk-trace-base') as typeof TraceBase,
})

const SERVICE_VERSION = '0.1.0'

/** One tracer provider for one tracing config. Nothing is registered globally: several can live in one process. */
export type Tracing = {
  readonly tracer: Tracer
  readonly propagator: OtelCore.W3CTraceContextPropagator
  shutdown(): Promise<void>
}

/**
 * Spans go in batches to `<otlp_endpoint>/v1/traces` (OTLP/HTTP, JSON), as every OTLP exporter does.
 * A caller's sampled flag is followed; new traces are kept with probability `sample_ratio`.
 * `exporter` replaces OTLP (tests use an in-memory one) and exports each span as it ends.
 */
export function createTracing(cfg: TracingConfig, opts: { exporter?: SpanExporter } = {}): Tracing {
  const { core, otlp, resources, base } = sdk()
  const processor = opts.exporter
    ? new base.SimpleSpanProcessor(opts.exporter)
    : new base.BatchSpanProcessor(
        new otlp.OTLPTraceExporter({ url: `${cfg.otlp_endpoint.replace(/\/+$/, '')}/v1/traces`, headers: cfg.headers, timeoutMillis: cfg.export_timeout_ms }),
      )
  const provider = new base.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: cfg.service_name, [ATTR_SERVICE_VERSION]: SERVICE_VERSION }),
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(cfg.sample_ratio) }),
    spanProcessors: [processor],
  })
  return {
    tracer: provider.getTracer('switchyard', SERVICE_VERSION),
    propagator: new core.W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  }
}
