import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js'

const BENCH_KEY = 'sk-bench-team-a-0123456789'

/**
 * `bare`: auth off, no Redis, no guardrails: the cost of the proxy itself.
 * `full`: the chain the targets are set for: keys, limits with Redis (a throw-away redis-server),
 * guardrails and metrics on; cache off.
 */
export async function benchConfig(chain: 'bare' | 'full', upstream: string): Promise<{ config: Record<string, unknown>; redis?: RedisServer }> {
  const base = {
    server: { host: '127.0.0.1', port: 0 },
    telemetry: { log_requests: false },
    providers: [{ name: 'openai', type: 'openai', base_url: upstream, api_key: 'sk-upstream' }],
    models: [{ name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
  }
  if (chain === 'bare') return { config: base }
  const redis = await startRedisServer()
  return {
    redis,
    config: {
      ...base,
      store: { redis_url: redis.url },
      auth: {
        mode: 'keys',
        admin_key: 'sk-admin-bench',
        keys: [{ key: BENCH_KEY, name: 'bench-app', team: 'team-a', models: ['gpt-*'], limits: { rpm: 100_000_000, tpm: 10_000_000_000, max_concurrency: 10_000 } }],
      },
      limits: { on_store_error: 'fail-open', models: { 'gpt-4o-mini': { rpm: 100_000_000 } } },
      guardrails: { pii: { action: 'redact', restore_output: true }, injection: { action: 'block', threshold: 0.5 } },
      cache: { enabled: false },
    },
  }
}

export function benchHeaders(chain: 'bare' | 'full'): Record<string, string> {
  return chain === 'full' ? { authorization: `Bearer ${BENCH_KEY}` } : {}
}
