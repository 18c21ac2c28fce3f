import type { Config } from '../config/schema.js'
import type { RequestLog } from '../request-log.js'
import type { GatewayMetrics } from './metrics.js'
import { isFailure, statusClass } from './request-outcome.js'
import { BoundedValues, SeriesCache } from './series-cache.js'
import type { UpstreamDirectory } from './upstream-directory.js'

type Inc = { inc(value?: number): void }
type Observe = { observe(value: number): void }

const TOKEN_TYPES = ['input', 'output', 'cached_input'] as const
const GEN_AI_TOKEN_TYPES = ['input', 'output'] as const
const CACHE_LOOKUP_RESULTS = new Set(['hit', 'semantic-hit', 'miss'])
const API_BY_PATH: Record<string, NonNullable<RequestLog['api']>> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/v1/embeddings': 'embeddings',
}

/**
 * Turns finished request logs into metric updates. Long-lived like the registry: the labelled children are
 * built once per label combination (pre-built at config load for every configured model and provider) and
 * then found with Map lookups, so a request costs no label objects or strings of its own.
 */
export class RequestMetrics {
  private readonly requests: SeriesCache<Inc>
  private readonly errors: SeriesCache<Inc>
  private readonly duration: SeriesCache<Observe>
  private readonly ttft: SeriesCache<Observe>
  private readonly overhead: SeriesCache<Observe>
  private readonly tokens: SeriesCache<Inc>
  private readonly cost: SeriesCache<Inc>
  private readonly rejections: SeriesCache<Inc>
  private readonly guardrails: SeriesCache<Inc>
  private readonly cacheLookups: SeriesCache<Inc>
  private readonly cacheDuration: SeriesCache<Observe>
  private readonly genAiTokens: SeriesCache<Observe>
  private readonly genAiDuration: SeriesCache<Observe>
  private keyNames: BoundedValues
  private teams: BoundedValues
  private cap: number
  private keyNameLabels = true
  private upstreams: UpstreamDirectory | undefined

  constructor(m: GatewayMetrics) {
    this.requests = new SeriesCache(5, (...v) => m.requests.labels(...v))
    this.errors = new SeriesCache(5, (...v) => m.requestErrors.labels(...v))
    this.duration = new SeriesCache(4, (...v) => m.requestDuration.labels(...v))
    this.ttft = new SeriesCache(3, (...v) => m.timeToFirstToken.labels(...v))
    this.overhead = new SeriesCache(2, (...v) => m.overhead.labels(...v))
    this.tokens = new SeriesCache(5, (...v) => m.tokens.labels(...v))
    this.cost = new SeriesCache(4, (...v) => m.cost.labels(...v))
    this.rejections = new SeriesCache(4, (...v) => m.rejections.labels(...v))
    this.guardrails = new SeriesCache(3, (...v) => m.guardrailTriggers.labels(...v))
    this.cacheLookups = new SeriesCache(2, (...v) => m.cacheLookups.labels(...v))
    this.cacheDuration = new SeriesCache(1, (...v) => m.cacheLookupDuration.labels(...v))
    this.genAiTokens = new SeriesCache(5, (...v) => m.genAiTokenUsage.labels(...v))
    this.genAiDuration = new SeriesCache(5, (...v) => m.genAiOperationDuration.labels(...v))
    // Sized by the first configure().
    this.cap = 0
    this.keyNames = new BoundedValues(0)
    this.teams = new BoundedValues(0)
  }

  /** Per config load: label options, and the children every configured (model, provider) pair will use. */
  configure(config: Config, upstreams: UpstreamDirectory): void {
    const opts = config.telemetry.metrics
    this.keyNameLabels = opts.key_name_labels
    if (opts.max_key_names !== this.cap) {
      this.cap = opts.max_key_names
      this.keyNames = new BoundedValues(this.cap)
      this.teams = new BoundedValues(this.cap)
    }
    this.upstreams = upstreams
    for (const model of config.models) {
      for (const target of model.targets) {
        for (const api of ['openai', 'anthropic'] as const) {
          this.requests.get(api, model.name, target.provider, '2xx', 'none')
          for (const stream of ['true', 'false']) this.duration.get(api, model.name, target.provider, stream)
          this.ttft.get(api, model.name, target.provider)
        }
        const genAi = upstreams.genAiProvider(target.provider)
        this.genAiDuration.get('chat', genAi, model.name, target.model, '')
        for (const type of GEN_AI_TOKEN_TYPES) this.genAiTokens.get('chat', genAi, model.name, target.model, type)
      }
    }
  }

  record(log: RequestLog): void {
    // A request refused before its body was decoded (401) has no api yet: its path says which.
    const api = log.api ?? API_BY_PATH[log.path]
    if (!api) return
    const model = log.model ?? ''
    const provider = log.provider ?? ''
    const status = log.status ?? 0
    const cls = statusClass(status)
    const stream = log.stream ? 'true' : 'false'
    const cache = log.cache ?? 'none'
    const failed = isFailure(log, status)
    this.requests.get(api, model, provider, cls, cache).inc()
    if (failed) this.errors.get(api, model, provider, cls, log.errorCode ?? String(status)).inc()
    if (log.durationMs !== undefined) {
      const seconds = log.durationMs / 1000
      this.duration.get(api, model, provider, stream).observe(seconds)
      this.overhead.get(api, stream).observe(Math.max(0, log.durationMs - log.upstreamMs) / 1000)
      if (provider) {
        const genAi = this.upstreams?.genAiProvider(provider) ?? provider
        const operation = api === 'embeddings' ? 'embeddings' : 'chat'
        this.genAiDuration.get(operation, genAi, model, log.targetModel ?? '', failed ? (log.errorCode ?? String(status)) : '').observe(seconds)
      }
    }
    if (log.stream && log.ttftMs !== undefined) this.ttft.get(api, model, provider).observe(log.ttftMs / 1000)

    const keyName = this.keyNameLabels ? this.keyNames.value(log.keyName) : ''
    const team = this.teams.value(log.team)
    if (log.rejected) this.rejections.get(log.rejected, model, keyName, team).inc()
    for (const g of log.guardrails) this.guardrails.get(g.rule, g.action, model).inc()
    if (CACHE_LOOKUP_RESULTS.has(cache)) this.cacheLookups.get(model, cache).inc()
    if (log.cacheLookupMs !== undefined) this.cacheDuration.get(model).observe(log.cacheLookupMs / 1000)

    // A cache hit consumed no upstream tokens.
    if (cache === 'hit' || cache === 'semantic-hit' || !provider) return
    const counts = [log.inputTokens, log.outputTokens, log.cachedInputTokens]
    for (let i = 0; i < TOKEN_TYPES.length; i++) {
      const n = counts[i]
      if (n) this.tokens.get(model, provider, keyName, team, TOKEN_TYPES[i]!).inc(n)
    }
    if (log.costUsd) this.cost.get(model, provider, keyName, team).inc(log.costUsd)
    const genAi = this.upstreams?.genAiProvider(provider) ?? provider
    const operation = api === 'embeddings' ? 'embeddings' : 'chat'
    const responseModel = log.targetModel ?? ''
    if (log.inputTokens !== undefined) this.genAiTokens.get(operation, genAi, model, responseModel, 'input').observe(log.inputTokens)
    if (log.outputTokens !== undefined) this.genAiTokens.get(operation, genAi, model, responseModel, 'output').observe(log.outputTokens)
  }
}
