import type { Tracer } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import type { TracingConfig } from './config.js'

const SERVICE_VERSION = '0.1.0'

/** One tracer provider for one tracing config. Nothing is registered globally: several can live in one process. */
export type Tracing = {
  readonly tracer: Tracer
  readonly propagator: W3CTraceContextPropagator
  shutdown(): Promise<void>
}

/**
 * Spans go in batches to `<otlp_endpoint>/v1/traces` (OTLP/HTTP, JSON), as every OTLP exporter does.
 * A caller's sampled flag is followed; new traces are kept with probability `sample_ratio`.
 * `exporter` replaces OTLP (tests use an in-memory one) and exports each span as it ends.
 */
export function createTracing(cfg: TracingConfig, opts: { exporter?: SpanExporter } = {}): Tracing {
  const processor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${cfg.otlp_endpoint.replace(/\/+$/, '')}/v1/traces`, headers: cfg.headers, timeoutMillis: cfg.export_timeout_ms }),
      )
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: cfg.service_name, [ATTR_SERVICE_VERSION]: SERVICE_VERSION }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.sample_ratio) }),
    spanProcessors: [processor],
  })
  return {
    tracer: provider.getTracer('switchyard', SERVICE_VERSION),
    propagator: new W3CTraceContextPropagator(),
    shutdown: () => provider.shutdown(),
  }
}
