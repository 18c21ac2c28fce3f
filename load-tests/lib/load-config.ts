/** The keys the load scenarios use: one with limits far above any load, and many small ones for the storm. */
export const MAIN_KEY = 'sk-load-main-0123456789'
export const stormKey = (i: number) => `sk-load-storm-${String(i).padStart(3, '0')}`
export const STORM_KEYS = 50
/** Each storm key may send this many requests a minute; the storm sends far more. */
export const STORM_RPM = 60

/**
 * Gateway config for the load scenarios: keys and limits (Redis when available), the semantic cache on the
 * `chat-cached` model only, and `chat-failover` whose first target (`doomed`) is killed mid-run.
 */
export function loadTestConfig(opts: { upstream: string; doomed: string; redisUrl?: string }): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, drain_timeout_ms: 2000 },
    store: { redis_url: opts.redisUrl ?? '' },
    telemetry: { log_requests: false, log_level: 'warn' },
    auth: {
      mode: 'keys',
      admin_key: 'sk-load-admin-0123456789',
      keys: [
        { key: MAIN_KEY, name: 'load-main', limits: { rpm: 100_000_000, tpm: 10_000_000_000, max_concurrency: 10_000 } },
        ...Array.from({ length: STORM_KEYS }, (_, i) => ({ key: stormKey(i), name: `storm-${i}`, team: 'storm', limits: { rpm: STORM_RPM } })),
      ],
    },
    limits: { on_store_error: 'fail-open' },
    cache: { enabled: false },
    providers: [
      { name: 'upstream', type: 'openai', base_url: opts.upstream, api_key: 'sk-upstream' },
      { name: 'doomed', type: 'openai', base_url: opts.doomed, api_key: 'sk-upstream' },
      { name: 'standby', type: 'openai', base_url: opts.upstream, api_key: 'sk-upstream' },
    ],
    models: [
      { name: 'chat', retries: { attempts: 0 }, targets: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      { name: 'chat-cached', retries: { attempts: 0 }, cache: { enabled: true, scope: 'shared' }, targets: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
      {
        name: 'chat-failover',
        strategy: 'priority',
        retries: { attempts: 1, backoff_ms: 0 },
        targets: [
          { provider: 'doomed', model: 'gpt-4o-mini' },
          { provider: 'standby', model: 'gpt-4o-mini' },
        ],
      },
    ],
  }
}
