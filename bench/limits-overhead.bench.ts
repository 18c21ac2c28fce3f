// What auth + limits add to a request, with Redis on loopback: the same in-process chain (context → api decode
// → route to an upstream that answers at once) measured without and with auth and limits, open loop at a fixed
// rate, then closed loop for throughput. The limits step does one Redis round trip before the answer (the
// atomic admission) and one after it (the settle, not awaited). Figures, not assertions; run on a quiet machine:
//
//   npx tsx bench/limits-overhead.bench.ts     (BENCH_SECONDS=10 BENCH_RATE=1000 BENCH_CONCURRENCY=32)
import { execFileSync } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { Hono, type MiddlewareHandler } from 'hono'
import { pino } from 'pino'
import { errorResponse } from '../src/api/error-response.js'
import { openaiChatCodec } from '../src/api/openai-chat/index.js'
import type { AppEnv } from '../src/app-env.js'
import { configSchema } from '../src/config/schema.js'
import { createKeyStore } from '../src/keys/key-store.js'
import { createLimiter } from '../src/limits/limiter.js'
import { api } from '../src/middleware/api.js'
import { auth } from '../src/middleware/auth.js'
import { context } from '../src/middleware/context.js'
import { limits } from '../src/middleware/limits.js'
import { route } from '../src/middleware/route.js'
import type { ChatCompletion } from '../src/providers/types.js'
import { createPricing } from '../src/pricing/price-table.js'
import type { ResolvedModel } from '../src/routing/resolved-model.js'
import type { Router } from '../src/routing/router.js'
import { createStore } from '../src/store/store.js'
import { startRedisServer } from '../test/helpers/redis-server.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rate = Number(process.env.BENCH_RATE ?? 1000)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32)

const completion: ChatCompletion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
}
const router = { run: async () => ({ kind: 'json', completion, provider: 'openai', targetModel: 'gpt-4o-mini', attempts: 1 }) } as unknown as Router
const models = new Map([['gpt-4o-mini', { name: 'gpt-4o-mini' } as ResolvedModel]])
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 32 })
const STATIC_KEY = 'sk-bench-static-0123456789abcdef'

function build(steps: { before: MiddlewareHandler<AppEnv>[]; after: MiddlewareHandler<AppEnv>[] }) {
  const app = new Hono<AppEnv>()
  app.use(context({ onFinish: () => undefined }))
  for (const step of [...steps.before, api(openaiChatCodec, models), ...steps.after, route(router)]) app.on('POST', '/v1/chat/completions', step)
  app.onError(errorResponse(pino({ level: 'silent' })))
  return app
}

type App = ReturnType<typeof build>
const send = async (app: App, key: string): Promise<number> => {
  const start = performance.now()
  const res = await app.request('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: BODY })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`status ${res.status}: the bench limits must not refuse`)
  return performance.now() - start
}

const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
const ms = (n: number) => `${n.toFixed(3)} ms`

/** Open loop: requests go out at a fixed rate (a 1 ms ticker), whatever the answers do. */
async function fixedRate(app: App, key: string): Promise<number[]> {
  const latencies: number[] = []
  const pending: Promise<void>[] = []
  const interval = 1000 / rate
  const start = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const elapsed = performance.now() - start
      while (sent <= elapsed / interval && elapsed < seconds * 1000) {
        pending.push(send(app, key).then((l) => void latencies.push(l)))
        sent++
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(ticker)
        resolve()
      }
    }, 1)
  })
  await Promise.all(pending)
  return latencies.sort((a, b) => a - b)
}

/** Closed loop, one request at a time: latency without any queueing. */
async function sequential(app: App, key: string, n = 3000): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < n; i++) latencies.push(await send(app, key))
  return latencies.sort((a, b) => a - b)
}

async function throughput(app: App, key: string): Promise<number> {
  let done = 0
  const end = performance.now() + Math.min(seconds, 5) * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await send(app, key)
        done++
      }
    }),
  )
  return done / Math.min(seconds, 5)
}

const cores = availableParallelism()
const redis = await startRedisServer()
// Redis keeps the other core: this process (the gateway's work) stays on core 0, as in bench/run.ts.
if (cores > 1 && process.env.BENCH_PIN !== '0') execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
const config = configSchema.parse({
  store: { redis_url: redis.url },
  auth: {
    mode: 'keys',
    admin_key: 'sk-admin-bench',
    keys: [{ key: STATIC_KEY, name: 'bench-static', team: 'team-a', models: ['gpt-*'], limits: { rpm: 1e9, tpm: 1e12, max_concurrency: 100_000 }, budget: { usd: 1e9, period: 'month' } }],
  },
  limits: { models: { 'gpt-4o-mini': { rpm: 1e9, tpm: 1e12 } }, teams: { 'team-a': { rpm: 1e9, tpm: 1e12, budget: { usd: 1e9, period: 'month' } } } },
  providers: [{ name: 'openai', type: 'openai', base_url: 'http://127.0.0.1:9/v1' }],
  models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
  pricing: [{ model: 'gpt-4o-mini', input_per_mtok: 0.15, output_per_mtok: 0.6 }],
})
const store = createStore(config.store)
await store.ready(5000)
const keys = createKeyStore(config, store)
let storeWarnings = 0
const limiter = createLimiter(config, store, createPricing(config.pricing ?? []), { logger: { warn: () => void storeWarnings++, info: () => undefined } })
const { key: virtualKey } = await keys.create({ name: 'bench-virtual', team: 'team-a', models: ['gpt-*'], limits: { rpm: 1e9, tpm: 1e12, max_concurrency: 100_000 }, budget: { usd: 1e9, period: 'month' }, metadata: {} })

// The same checks against the in-memory store: the gateway's own CPU for auth + limits, without the round trips.
const memoryStore = createStore({ ...config.store, redis_url: '' })
const memoryKeys = createKeyStore(config, memoryStore)
const memoryLimiter = createLimiter(config, memoryStore, createPricing(config.pricing ?? []))

const bare = build({ before: [], after: [] })
const limited = build({ before: [auth(keys)], after: [limits(limiter, keys)] })
const inMemory = build({ before: [auth(memoryKeys)], after: [limits(memoryLimiter, memoryKeys)] })
for (const [app, key] of [[bare, ''], [limited, STATIC_KEY], [limited, virtualKey], [inMemory, STATIC_KEY]] as const) for (let i = 0; i < 3000; i++) await send(app, key)

console.log(`auth + limits overhead, Redis on loopback (${redis.url}); ${rate} req/s for ${seconds}s per row, in-process requests`)
console.log('checks per request: key rpm+tpm+concurrency+budget, team rpm+tpm+budget, model rpm+tpm (the worst case: 9 checks)')
console.log(`${'chain'.padEnd(36)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}`)
const base = await fixedRate(bare, '')
console.log(`${'context → api → route (baseline)'.padEnd(36)} ${ms(pct(base, 50)).padStart(10)} ${ms(pct(base, 99)).padStart(10)}`)
for (const [name, app, key] of [
  ['+ auth + limits, static key', limited, STATIC_KEY],
  ['+ auth + limits, virtual key', limited, virtualKey],
  ['+ auth + limits, in-memory store', inMemory, STATIC_KEY],
] as const) {
  const l = await fixedRate(app, key)
  console.log(`${name.padEnd(36)} ${ms(pct(l, 50)).padStart(10)} ${ms(pct(l, 99)).padStart(10)}   added: p50 ${ms(pct(l, 50) - pct(base, 50))}, p99 ${ms(pct(l, 99) - pct(base, 99))}`)
}
const seqBase = await sequential(bare, '')
const seqLimited = await sequential(limited, STATIC_KEY)
const seqMemory = await sequential(inMemory, STATIC_KEY)
console.log(`one at a time: baseline p50 ${ms(pct(seqBase, 50))}; + auth + limits (Redis) p50 ${ms(pct(seqLimited, 50))} p99 ${ms(pct(seqLimited, 99))}; (in-memory) p50 ${ms(pct(seqMemory, 50))} p99 ${ms(pct(seqMemory, 99))}`)
console.log(`store failures logged during the run: ${storeWarnings} (each request that met one was admitted by the local fallback)`)
console.log(
  `throughput, ${concurrency} concurrent, one process on one core: baseline ${Math.round(await throughput(bare, ''))} req/s, + auth + limits (Redis) ${Math.round(await throughput(limited, STATIC_KEY))} req/s, (in-memory) ${Math.round(await throughput(inMemory, STATIC_KEY))} req/s`,
)
console.log(`machine load average during the run: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cores} cores`)

await Promise.all([limiter.close(2000), memoryLimiter.close(2000)])
keys.close()
memoryKeys.close()
await Promise.all([store.close(), memoryStore.close()])
await redis.stop()
