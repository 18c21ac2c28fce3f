import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

// Every series the gateway exports. Counters end in _total, durations are in seconds, and every label value
// comes from config (models, providers, targets, rules) or a small fixed set; key and team names are capped
// (see BoundedValues). Raw keys, prompts and end-user ids are never label values.

/** OTel GenAI semantic conventions, gen_ai.client.token.usage: ExplicitBucketBoundaries. */
export const GEN_AI_TOKEN_USAGE_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
/** OTel GenAI semantic conventions, gen_ai.client.operation.duration: ExplicitBucketBoundaries (seconds). */
export const GEN_AI_OPERATION_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
/** OTel GenAI semantic conventions, gen_ai.server.time_to_first_token (seconds). */
const TIME_TO_FIRST_TOKEN_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
/** Whole requests, streams included: long generations run for minutes. */
const REQUEST_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320]
/** The gateway's own time: the target is well under a millisecond, so the resolution is there. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
const CACHE_LOOKUP_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

export type GatewayMetrics = ReturnType<typeof createMetrics>

/** State read at scrape time rather than pushed on the request path. Swapped when the config is reloaded. */
export type ScrapeSources = {
  store?: () => { backend: string; status: 'ok' | 'degraded' }
}

/** One registry per gateway (not prom-client's global one), so several gateways can live in one process. */
export function createMetrics(sources: ScrapeSources = {}) {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({
      name: 'switchyard_requests_total',
      help: 'API requests by model, provider, HTTP status class and cache result.',
      labelNames: ['api', 'model', 'provider', 'status_class', 'cache'] as const,
      registers,
    }),
    requestErrors: new Counter({
      name: 'switchyard_request_errors_total',
      help: 'API requests that ended in an error, by status class and error code; streams that failed after their 200 count with status_class 2xx.',
      labelNames: ['api', 'model', 'provider', 'status_class', 'code'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from request start to the last byte of the answer (streams: until the stream ended).',
      labelNames: ['api', 'model', 'provider', 'stream'] as const,
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Streams: time from request start to the first answer bytes sent to the client.',
      labelNames: ['api', 'model', 'provider'] as const,
      buckets: TIME_TO_FIRST_TOKEN_BUCKETS,
      registers,
    }),
    overhead: new Histogram({
      name: 'switchyard_gateway_overhead_seconds',
      help: 'Request time not spent waiting on upstreams: auth, limits, guardrails, cache, routing and encoding.',
      labelNames: ['api', 'stream'] as const,
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({
      name: 'switchyard_requests_in_flight',
      help: 'API requests being answered right now (streams until they end).',
      registers,
    }),
    tokens: new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens reported by upstreams, by type: input (all prompt tokens), cached_input (the part read from the provider cache), output.',
      labelNames: ['model', 'provider', 'key_name', 'team', 'type'] as const,
      registers,
    }),
    cost: new Counter({
      name: 'switchyard_cost_usd_total',
      help: 'Spend in US dollars from the pricing table.',
      labelNames: ['model', 'provider', 'key_name', 'team'] as const,
      registers,
    }),
    attempts: new Counter({
      name: 'switchyard_upstream_attempts_total',
      help: 'Upstream calls by result: success, failure (counts against the circuit), rejected (client error), cancelled.',
      labelNames: ['model', 'provider', 'result'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'switchyard_upstream_retries_total',
      help: 'Retries of the same target after a failure.',
      labelNames: ['model', 'provider'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: 'switchyard_fallbacks_total',
      help: 'Moves from a failing target to the next one.',
      labelNames: ['model', 'from_provider', 'to_provider'] as const,
      registers,
    }),
    circuitState: new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit of each target: 1 for its current state (closed, open, half-open), 0 for the others.',
      labelNames: ['model', 'target', 'provider', 'state'] as const,
      // Across cluster workers (each routes on its own): a state any worker is in shows as 1.
      aggregator: 'max',
      registers,
    }),
    rejections: new Counter({
      name: 'switchyard_rejections_total',
      help: 'Requests refused before reaching an upstream: rate_limit, budget, concurrency, auth, guardrail.',
      labelNames: ['reason', 'model', 'key_name', 'team'] as const,
      registers,
    }),
    guardrailTriggers: new Counter({
      name: 'switchyard_guardrail_triggers_total',
      help: 'Guardrail findings by rule and the action taken.',
      labelNames: ['rule', 'action', 'model'] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'switchyard_cache_lookups_total',
      help: 'Cache lookups by result: hit (exact), semantic-hit, miss.',
      labelNames: ['model', 'result'] as const,
      registers,
    }),
    cacheLookupDuration: new Histogram({
      name: 'switchyard_cache_lookup_duration_seconds',
      help: 'Time spent looking up the cache (exact and semantic).',
      labelNames: ['model'] as const,
      buckets: CACHE_LOOKUP_BUCKETS,
      registers,
    }),
    storeDegraded: new Gauge({
      name: 'switchyard_store_degraded',
      help: '1 while the shared store (Redis) is unreachable or failing and the local fallback is in use.',
      labelNames: ['backend'] as const,
      aggregator: 'max',
      registers,
      collect() {
        const state = sources.store?.()
        this.reset()
        if (state) this.set({ backend: state.backend }, state.status === 'degraded' ? 1 : 0)
      },
    }),
    genAiTokenUsage: new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'OTel gen_ai.client.token.usage: input and output tokens per operation.',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model', 'gen_ai_token_type'] as const,
      buckets: GEN_AI_TOKEN_USAGE_BUCKETS,
      registers,
    }),
    genAiOperationDuration: new Histogram({
      name: 'gen_ai_client_operation_duration_seconds',
      help: 'OTel gen_ai.client.operation.duration: duration of each GenAI operation.',
      labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model', 'error_type'] as const,
      buckets: GEN_AI_OPERATION_DURATION_BUCKETS,
      registers,
    }),
  }
}
