// Semantic-cache benchmark: lookup latency (hash + embedding + vector search + verification) at
// 1k / 10k / 100k entries in one scope, insert rate, bytes per entry, and replica sync latency
// through Redis. Figures, not assertions; `npm run eval:cache` runs it and writes docs/cache-eval.md.
//
//   npx tsx bench/semantic-cache.bench.ts [1000,10000,100000]
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { embeddingSpecKey, loadEmbedder } from '../src/cache/embedding/load-embedder.js'
import type { Embedder } from '../src/cache/embedding/embedder.js'
import { createSemanticCache } from '../src/cache/semantic-cache.js'
import type { CacheEntry } from '../src/cache/store/entry-store.js'
import { MemoryStore } from '../src/cache/store/memory-store.js'
import { RedisStore } from '../src/cache/store/redis-store.js'
import { configSchema } from '../src/config/schema.js'
import type { ChatCompletion } from '../src/providers/types.js'
import { createRedisClient } from '../src/store/redis.js'
import { startRedisServer } from '../test/helpers/redis-server.js'

const SIMILARITY = fileURLToPath(new URL('../../shared/data/similarity/', import.meta.url))

/** Wall-clock latency, and CPU time (all threads) per lookup: on a shared machine the CPU figure is the one that does not include waiting for a core. */
export type LookupBench = { entries: number; index: string; insertPerSecond: number; p50: number; p99: number; cpuP50: number; cpuP99: number; embedP50: number; heapBytesPerEntry: number }
export type RedisBench = { bytesPerEntry: number; vectorBytes: number; answerChars: number; syncP50: number; syncP99: number; syncMax: number; samples: number }

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

/** Distinct questions: stored ones from qqp_train, lookups from qqp_sample (mostly misses, the common case). */
function questions(file: string): string[] {
  const out = new Set<string>()
  for (const line of readFileSync(SIMILARITY + file, 'utf8').split('\n')) {
    if (!line) continue
    const row = JSON.parse(line) as { question1: string; question2: string }
    out.add(row.question1)
    out.add(row.question2)
  }
  return [...out]
}

const ANSWER = 'A typical answer of a few sentences. '.repeat(11)
const answer = (): ChatCompletion => ({
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 20, completion_tokens: 80, total_tokens: 100 },
})

export async function benchLookup(sizes: number[], embedder: Embedder): Promise<LookupBench[]> {
  const stored = questions('qqp_train.jsonl')
  const probes = questions('qqp_sample.jsonl').slice(0, 2000)
  const results: LookupBench[] = []
  for (const size of sizes) {
    const config = configSchema.parse({ cache: { enabled: true, lookup_budget_ms: 10_000, max_entries_per_namespace: 1_000_000 } })
    const sc = createSemanticCache(config, { embedders: new Map([[embeddingSpecKey(config.cache.semantic.embedding), embedder]]), store: new MemoryStore() })
    await sc.ready
    global.gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const insertStart = performance.now()
    for (let i = 0; i < size; i++) {
      const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: stored[i % stored.length]! + (i >= stored.length ? ` (${i})` : '') }] }
      const { probe } = await sc.lookup({ request, config: config.cache, namespace: 'shared', policyId: 'p', skipLookup: true })
      await sc.store(probe, answer(), 3600)
    }
    const insertPerSecond = size / ((performance.now() - insertStart) / 1000)
    global.gc?.()
    const heapBytesPerEntry = (process.memoryUsage().heapUsed - heapBefore) / size
    const times: number[] = []
    const cpuTimes: number[] = []
    const embedTimes: number[] = []
    for (const [i, q] of probes.entries()) {
      const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: q }] }
      const cpu = process.cpuUsage()
      const t = performance.now()
      await sc.lookup({ request, config: config.cache, namespace: 'shared', policyId: 'p' })
      times.push(performance.now() - t)
      const used = process.cpuUsage(cpu)
      cpuTimes.push((used.user + used.system) / 1000)
      if (i % 4 === 0) {
        const e = performance.now()
        await embedder.embed([q])
        embedTimes.push(performance.now() - e)
      }
    }
    times.sort((a, b) => a - b)
    cpuTimes.sort((a, b) => a - b)
    embedTimes.sort((a, b) => a - b)
    const index = size >= config.cache.semantic.hnsw_min_entries ? 'HNSW (usearch)' : 'brute force'
    results.push({ entries: size, index, insertPerSecond, p50: percentile(times, 0.5), p99: percentile(times, 0.99), cpuP50: percentile(cpuTimes, 0.5), cpuP99: percentile(cpuTimes, 0.99), embedP50: percentile(embedTimes, 0.5), heapBytesPerEntry })
    await sc.close().catch(() => {})
  }
  return results
}

/** Bytes one entry takes in Redis (hash + sorted-set member), and how soon a second replica sees a new entry. */
export async function benchRedis(embedder: Embedder, samples = 200): Promise<RedisBench> {
  const server = await startRedisServer()
  const opts = { url: server.url, keyPrefix: 'bench:', commandTimeoutMs: 1000, vectorEncoding: 'float16' as const, blockMs: 1000 }
  const writer = new RedisStore(opts)
  const follower = new RedisStore(opts)
  const arrived = new Map<string, number>()
  follower.onChange((e) => {
    if (e.type === 'put') arrived.set(e.meta.id, performance.now())
  })
  await writer.load()
  await follower.load()
  const raw = createRedisClient(server.url, { commandTimeoutMs: 1000 })
  await new Promise((r) => raw.once('ready', r))
  const texts = questions('qqp_sample.jsonl').slice(0, samples)
  const vectors = await embedder.embed(texts)
  const before = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1])
  const latencies: number[] = []
  for (const [i, text] of texts.entries()) {
    const entry: CacheEntry = {
      id: `e${i}`, namespace: 'shared', model: 'gpt-4o-mini', scope: 's'.repeat(43), exact: 'x'.repeat(40) + i, embedder: embedder.id,
      vector: vectors[i]!, query: text, expiresAt: Date.now() + 3_600_000, completion: answer(),
    }
    const t = performance.now()
    await writer.put(entry, 1_000_000)
    for (let w = 0; w < 1000 && !arrived.has(entry.id); w++) await new Promise((r) => setImmediate(r))
    if (arrived.has(entry.id)) latencies.push(arrived.get(entry.id)! - t)
    await new Promise((r) => setTimeout(r, 2))
  }
  const after = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1])
  latencies.sort((a, b) => a - b)
  raw.disconnect()
  await Promise.all([writer.close(), follower.close()])
  await server.stop()
  return {
    bytesPerEntry: Math.round((after - before) / samples),
    vectorBytes: embedder.dimensions * 2,
    answerChars: ANSWER.length,
    syncP50: percentile(latencies, 0.5),
    syncP99: percentile(latencies, 0.99),
    syncMax: latencies.at(-1)!,
    samples: latencies.length,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number)
  const embedder = await loadEmbedder({ kind: 'default', threads: 1 })
  for (const r of await benchLookup(sizes, embedder))
    console.log(`${r.entries} entries (${r.index}): lookup p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, CPU p50 ${r.cpuP50.toFixed(3)} ms, p99 ${r.cpuP99.toFixed(3)} ms (embedding p50 ${r.embedP50.toFixed(3)} ms); insert ${Math.round(r.insertPerSecond)}/s; heap ${Math.round(r.heapBytesPerEntry)} B/entry`)
  const redis = await benchRedis(embedder)
  console.log(`redis: ${redis.bytesPerEntry} B/entry (${redis.answerChars}-char answer, ${redis.vectorBytes} B float16 vector); replica sync p50 ${redis.syncP50.toFixed(2)} ms, p99 ${redis.syncP99.toFixed(2)} ms, max ${redis.syncMax.toFixed(2)} ms over ${redis.samples}`)
  await embedder.close()
}
