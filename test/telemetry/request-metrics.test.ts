import { describe, expect, it } from 'vitest'
import { configSchema } from '../../src/config/schema.js'
import { newRequestLog, type RequestLog } from '../../src/request-log.js'
import {
  createMetrics,
  GEN_AI_OPERATION_DURATION_BUCKETS,
  GEN_AI_TOKEN_USAGE_BUCKETS,
} from '../../src/telemetry/metrics.js'
import { RequestMetrics } from '../../src/telemetry/request-metrics.js'
import { UpstreamDirectory } from '../../src/telemetry/upstream-directory.js'
import { parsePrometheusText, samples, total } from './prometheus-text.js'

const config = (metrics: Record<string, unknown> = {}) =>
  configSchema.parse({
    providers: [
      { name: 'oai', type: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'sk-x' },
      { name: 'local-vllm', type: 'openai-compatible', base_url: 'http://10.0.0.5:8000/v1' },
    ],
    models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini-2024-07-18' }, { provider: 'local-vllm', model: 'llama-3' }] }],
    telemetry: { metrics },
  })

function setup(metrics: Record<string, unknown> = {}) {
  const m = createMetrics()
  const recorder = new RequestMetrics(m)
  const cfg = config(metrics)
  recorder.configure(cfg, new UpstreamDirectory(cfg.providers))
  const scrape = async () => parsePrometheusText(await m.registry.metrics())
  return { m, recorder, scrape }
}

function finished(fields: Partial<RequestLog>): RequestLog {
  return Object.assign(newRequestLog('req-1', 'POST', '/v1/chat/completions'), {
    api: 'openai',
    status: 200,
    model: 'gpt-4o-mini',
    provider: 'oai',
    targetModel: 'gpt-4o-mini-2024-07-18',
    stream: false,
    durationMs: 120,
    upstreamMs: 119.5,
    ...fields,
  } satisfies Partial<RequestLog>)
}

describe('metric families', () => {
  it('counters end in _total, durations are in seconds, and Node process metrics are exported', async () => {
    const { m, scrape } = setup()
    const families = await scrape()
    for (const metric of m.registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string }
      if (type === 'counter') expect(name, name).toMatch(/_total$/)
      if (name.startsWith('switchyard_') && type === 'histogram') expect(name, name).toMatch(/_seconds$/)
    }
    expect(families.has('process_cpu_seconds_total')).toBe(true)
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true)
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge')
  })

  it('the GenAI histograms use the OTel semantic-convention bucket boundaries', async () => {
    const { recorder, scrape } = setup()
    recorder.record(finished({ inputTokens: 10, outputTokens: 3 }))
    const f = await scrape()
    const le = (name: string) => samples(f, name).map((s) => s.labels.le).filter((v, i, a) => a.indexOf(v) === i)
    expect(le('gen_ai_client_token_usage_bucket')).toEqual([...[1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864].map(String), '+Inf'])
    expect(le('gen_ai_client_operation_duration_seconds_bucket')).toEqual([
      ...['0.01', '0.02', '0.04', '0.08', '0.16', '0.32', '0.64', '1.28', '2.56', '5.12', '10.24', '20.48', '40.96', '81.92'],
      '+Inf',
    ])
    expect(GEN_AI_TOKEN_USAGE_BUCKETS).toHaveLength(14)
    expect(GEN_AI_OPERATION_DURATION_BUCKETS).toHaveLength(14)
  })
})

describe('recording a finished request', () => {
  it('counts the request, its tokens by type, cost, duration and overhead with model, provider, key name and team', async () => {
    const { recorder, scrape } = setup()
    recorder.record(finished({ keyName: 'app-a', team: 'search', inputTokens: 100, outputTokens: 20, cachedInputTokens: 40, costUsd: 0.0125, cache: 'miss' }))
    const f = await scrape()
    expect(total(f, 'switchyard_requests_total', { api: 'openai', model: 'gpt-4o-mini', provider: 'oai', status_class: '2xx', cache: 'miss' })).toBe(1)
    const who = { model: 'gpt-4o-mini', provider: 'oai', key_name: 'app-a', team: 'search' }
    expect(total(f, 'switchyard_tokens_total', { ...who, type: 'input' })).toBe(100)
    expect(total(f, 'switchyard_tokens_total', { ...who, type: 'output' })).toBe(20)
    expect(total(f, 'switchyard_tokens_total', { ...who, type: 'cached_input' })).toBe(40)
    expect(total(f, 'switchyard_cost_usd_total', who)).toBeCloseTo(0.0125, 12)
    expect(total(f, 'switchyard_request_duration_seconds_sum', { model: 'gpt-4o-mini', stream: 'false' })).toBeCloseTo(0.12, 9)
    expect(total(f, 'switchyard_gateway_overhead_seconds_sum', { api: 'openai', stream: 'false' })).toBeCloseTo(0.0005, 9)
    expect(total(f, 'switchyard_cache_lookups_total', { model: 'gpt-4o-mini', result: 'miss' })).toBe(1)
    // GenAI view: the provider's well-known name, the client's model and the upstream's model.
    const genAi = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o-mini', gen_ai_response_model: 'gpt-4o-mini-2024-07-18' }
    expect(total(f, 'gen_ai_client_token_usage_sum', { ...genAi, gen_ai_token_type: 'input' })).toBe(100)
    expect(total(f, 'gen_ai_client_token_usage_sum', { ...genAi, gen_ai_token_type: 'output' })).toBe(20)
    expect(total(f, 'gen_ai_client_operation_duration_seconds_count', { ...genAi, error_type: '' })).toBe(1)
  })

  it('observes time to first token for streams only', async () => {
    const { recorder, scrape } = setup()
    recorder.record(finished({ stream: true, ttftMs: 35 }))
    recorder.record(finished({ stream: false, ttftMs: 99 }))
    const f = await scrape()
    expect(total(f, 'switchyard_time_to_first_token_seconds_count', { model: 'gpt-4o-mini' })).toBe(1)
    expect(total(f, 'switchyard_time_to_first_token_seconds_sum', { model: 'gpt-4o-mini' })).toBeCloseTo(0.035, 9)
  })

  it('counts errors by code (streams that failed after 200 too) and rejections by reason', async () => {
    const { recorder, scrape } = setup()
    recorder.record(finished({ status: 502, errorCode: 'upstream_error' }))
    recorder.record(finished({ stream: true, errorCode: 'stream_error' }))
    recorder.record(finished({ status: 429, errorCode: 'rate_limit_exceeded', rejected: 'rate_limit', provider: undefined, keyName: 'app-a' }))
    const f = await scrape()
    expect(total(f, 'switchyard_request_errors_total', { status_class: '5xx', code: 'upstream_error' })).toBe(1)
    expect(total(f, 'switchyard_request_errors_total', { status_class: '2xx', code: 'stream_error' })).toBe(1)
    expect(total(f, 'switchyard_rejections_total', { reason: 'rate_limit', model: 'gpt-4o-mini', key_name: 'app-a' })).toBe(1)
    expect(total(f, 'gen_ai_client_operation_duration_seconds_count', { error_type: 'upstream_error' })).toBe(1)
  })

  it('counts guardrail triggers by rule and action, and cache hits without tokens or cost', async () => {
    const { recorder, scrape } = setup()
    recorder.record(finished({ guardrails: [{ rule: 'pii.EMAIL_ADDRESS', action: 'redact' }, { rule: 'injection', action: 'log' }], inputTokens: 5, outputTokens: 1 }))
    recorder.record(finished({ cache: 'semantic-hit', cacheLookupMs: 2, inputTokens: 5, outputTokens: 1, costUsd: 1 }))
    const f = await scrape()
    expect(total(f, 'switchyard_guardrail_triggers_total', { rule: 'pii.EMAIL_ADDRESS', action: 'redact' })).toBe(1)
    expect(total(f, 'switchyard_guardrail_triggers_total', { rule: 'injection', action: 'log' })).toBe(1)
    expect(total(f, 'switchyard_cache_lookups_total', { result: 'semantic-hit' })).toBe(1)
    expect(total(f, 'switchyard_cache_lookup_duration_seconds_sum')).toBeCloseTo(0.002, 9)
    expect(total(f, 'switchyard_tokens_total', { type: 'input' })).toBe(5)
    expect(total(f, 'switchyard_cost_usd_total')).toBe(0)
  })

  it('counts a request refused before its body was read (401) by its path', async () => {
    const { recorder, scrape } = setup()
    recorder.record(Object.assign(newRequestLog('r', 'POST', '/v1/messages'), { status: 401, errorCode: 'invalid_api_key', rejected: 'auth' as const, durationMs: 1 }))
    const f = await scrape()
    expect(total(f, 'switchyard_requests_total', { api: 'anthropic', model: '', status_class: '4xx' })).toBe(1)
    expect(total(f, 'switchyard_rejections_total', { reason: 'auth' })).toBe(1)
  })

  it('leaves requests that are not API calls (health probes, scrapes) out of the request metrics', async () => {
    const { recorder, scrape } = setup()
    recorder.record(Object.assign(newRequestLog('r', 'GET', '/healthz'), { status: 200, durationMs: 1 }))
    expect(total(await scrape(), 'switchyard_requests_total')).toBe(0)
  })
})

describe('label cardinality', () => {
  it('caps distinct key and team names; later ones share _other', async () => {
    const { recorder, scrape } = setup({ max_key_names: 2 })
    for (const name of ['a', 'b', 'c', 'd', 'a']) recorder.record(finished({ keyName: name, team: `t-${name}`, inputTokens: 1 }))
    const f = await scrape()
    const keyNames = new Set(samples(f, 'switchyard_tokens_total').map((s) => s.labels.key_name))
    expect(keyNames).toEqual(new Set(['a', 'b', '_other']))
    expect(total(f, 'switchyard_tokens_total', { key_name: '_other' })).toBe(2)
    expect(new Set(samples(f, 'switchyard_tokens_total').map((s) => s.labels.team))).toEqual(new Set(['t-a', 't-b', '_other']))
  })

  it('key_name_labels: false leaves key names out', async () => {
    const { recorder, scrape } = setup({ key_name_labels: false })
    recorder.record(finished({ keyName: 'app-a', team: 'search', inputTokens: 7 }))
    const f = await scrape()
    expect(samples(f, 'switchyard_tokens_total').map((s) => s.labels.key_name)).toEqual([''])
    expect(total(f, 'switchyard_tokens_total', { team: 'search' })).toBe(7)
  })
})
