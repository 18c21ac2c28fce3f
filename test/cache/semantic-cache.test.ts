import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mergeCacheConfig, type CacheConfig } from '../../src/cache/config.js'
import type { Embedder } from '../../src/cache/embedding/embedder.js'
import { embeddingSpecKey, loadEmbedder } from '../../src/cache/embedding/load-embedder.js'
import { createSemanticCache, type SemanticCache } from '../../src/cache/semantic-cache.js'
import { MemoryStore } from '../../src/cache/store/memory-store.js'
import { configSchema } from '../../src/config/schema.js'
import type { ChatCompletion, ChatRequest } from '../../src/providers/types.js'

const answer = (text: string): ChatCompletion => ({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
})
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra })

let embedder: Embedder
beforeAll(async () => {
  embedder = await loadEmbedder({ kind: 'default', threads: 1 })
}, 240_000)
afterAll(() => embedder.close())

async function newCache(cache: Record<string, unknown> = {}, now?: () => number): Promise<{ sc: SemanticCache; config: CacheConfig }> {
  const config = configSchema.parse({ cache: { enabled: true, ...cache } })
  const sc = createSemanticCache(config, { embedders: new Map([[embeddingSpecKey(config.cache.semantic.embedding), embedder]]), store: new MemoryStore(now), now })
  await sc.ready
  return { sc, config: config.cache }
}

async function remember(sc: SemanticCache, config: CacheConfig, req: ChatRequest, text: string, namespace = 'key:a', ttl = 60) {
  const miss = await sc.lookup({ request: req, config, namespace, policyId: 'p' })
  expect(miss.result).toBe('miss')
  await sc.store(miss.probe, answer(text), ttl)
}

describe('semantic cache', () => {
  it('answers the same request exactly, whatever order its fields came in', async () => {
    const { sc, config } = await newCache()
    await remember(sc, config, ask('What is the capital of France?', { temperature: 0 }), 'Paris.')
    const hit = await sc.lookup({ request: { temperature: 0, messages: [{ role: 'user', content: 'What is the capital of France?' }], model: 'gpt-4o-mini', stream: true }, config, namespace: 'key:a', policyId: 'p' })
    expect(hit.result).toBe('hit')
    expect(hit.result === 'hit' && hit.completion.choices[0]!.message.content).toBe('Paris.')
  })

  it('uses the calibrated threshold by default: a repeat and a light rewording hit, a stricter per-request threshold misses', async () => {
    const { sc, config } = await newCache()
    await remember(sc, config, ask('How do I convert 5 km to miles?'), '3.1 miles')
    expect((await sc.lookup({ request: ask('how do I convert 5 km to miles'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('semantic-hit')
    const reworded = await sc.lookup({ request: ask('how can I convert 5 km into miles'), config, namespace: 'key:a', policyId: 'p' })
    expect(reworded.result).toBe('semantic-hit')
    expect((await sc.lookup({ request: ask('how can I convert 5 km into miles'), config, namespace: 'key:a', policyId: 'p', threshold: 0.9999 })).result).toBe('miss')
    expect((await sc.lookup({ request: ask('how can I convert 5 km into miles'), config, namespace: 'key:a', policyId: 'p', threshold: 0.5 })).result).toBe('semantic-hit')
  })

  it('never answers a near miss: another number, a negation', async () => {
    const { sc, config } = await newCache({ semantic: { threshold: 0.9 } })
    await remember(sc, config, ask('How do I convert 5 km to miles?'), '3.1 miles')
    await remember(sc, config, ask('Is aspirin safe during pregnancy?'), 'Ask your doctor.')
    expect((await sc.lookup({ request: ask('How do I convert 50 km to miles?'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
    expect((await sc.lookup({ request: ask('Is aspirin not safe during pregnancy?'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
    expect((await sc.lookup({ request: ask('is aspirin safe during pregnancy'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('semantic-hit')
  })

  it('looks only within the exact scope: tenant, system prompt, sampling, policy', async () => {
    const { sc, config } = await newCache({ semantic: { threshold: 0.9 } })
    const system = { role: 'system' as const, content: 'You are terse.' }
    await remember(sc, config, ask('x', { messages: [system, { role: 'user', content: 'What is the capital of France?' }], temperature: 0 }), 'Paris.')
    const variant = (content: string, extra: Partial<ChatRequest> = {}) => ask('x', { messages: [system, { role: 'user', content }], temperature: 0, ...extra })
    const look = (request: ChatRequest, namespace = 'key:a', policyId = 'p') => sc.lookup({ request, config, namespace, policyId }).then((l) => l.result)
    expect(await look(variant('what is the capital of france'))).toBe('semantic-hit')
    expect(await look(variant('what is the capital of france'), 'key:b')).toBe('miss')
    expect(await look(variant('what is the capital of france'), 'key:a', 'other-policy')).toBe('miss')
    expect(await look(variant('what is the capital of france', { temperature: 1 }))).toBe('miss')
    expect(await look(ask('x', { messages: [{ role: 'system', content: 'You are verbose.' }, { role: 'user', content: 'what is the capital of france' }], temperature: 0 }))).toBe('miss')
  })

  it('matches long conversations only exactly (beyond max_turns)', async () => {
    const { sc, config } = await newCache({ semantic: { threshold: 0.9, max_turns: 1 } })
    const convo = (last: string): ChatRequest => ({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: last },
      ],
    })
    await remember(sc, config, convo('What is the capital of France?'), 'Paris.')
    expect((await sc.lookup({ request: convo('What is the capital of France?'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('hit')
    expect((await sc.lookup({ request: convo('what is the capital of france'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
  })

  it('expires entries after their TTL and evicts beyond max entries per namespace', async () => {
    let clock = 1_000_000
    const { sc, config } = await newCache({ max_entries_per_namespace: 2 }, () => clock)
    await remember(sc, config, ask('question one'), 'a', 'key:a', 10)
    clock += 11_000
    expect((await sc.lookup({ request: ask('question one'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
    await remember(sc, config, ask('question two'), 'b')
    await remember(sc, config, ask('question three'), 'c')
    await remember(sc, config, ask('question four'), 'd')
    expect(sc.stats().entries).toBeLessThanOrEqual(3)
    expect((await sc.lookup({ request: ask('question two'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
    expect((await sc.lookup({ request: ask('question four'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('hit')
  })

  it('clears by model or namespace', async () => {
    const { sc, config } = await newCache()
    await remember(sc, config, ask('question one'), 'a', 'key:a')
    await remember(sc, config, ask('question one'), 'a', 'key:b')
    expect(await sc.clear({ namespace: 'key:a' })).toBe(1)
    expect((await sc.lookup({ request: ask('question one'), config, namespace: 'key:a', policyId: 'p' })).result).toBe('miss')
    expect((await sc.lookup({ request: ask('question one'), config, namespace: 'key:b', policyId: 'p' })).result).toBe('hit')
    expect(await sc.clear({ model: 'gpt-4o-mini' })).toBe(1)
    expect(sc.stats().entries).toBe(0)
  })

  it('a lookup slower than its budget is a miss, and a failing store never throws', async () => {
    const slow: Embedder = { id: 'slow', dimensions: 2, embed: () => new Promise((r) => setTimeout(() => r([Float32Array.of(1, 0)]), 200)), close: async () => {} }
    const config = configSchema.parse({ cache: { enabled: true, lookup_budget_ms: 20, semantic: { threshold: 0.5 } } })
    const broken = new MemoryStore()
    broken.completion = () => Promise.reject(new Error('redis down'))
    broken.put = () => Promise.reject(new Error('redis down'))
    const sc = createSemanticCache(config, { embedders: new Map([[embeddingSpecKey(config.cache.semantic.embedding), slow]]), store: broken })
    await sc.ready
    const miss = await sc.lookup({ request: ask('anything at all'), config: config.cache, namespace: 'key:a', policyId: 'p' })
    expect(miss).toMatchObject({ result: 'miss', reason: 'budget' })
    await expect(sc.store(miss.probe, answer('x'), 60)).resolves.toBeUndefined()
  })
})

describe('per-model cache config', () => {
  it('overrides only what the model sets', () => {
    const global = configSchema.parse({ cache: { enabled: true, ttl_seconds: 100, semantic: { max_turns: 6, threshold: 0.97 } } }).cache
    const merged = mergeCacheConfig(global, { semantic: { candidates: 8 } })
    expect(merged).toMatchObject({ enabled: true, ttl_seconds: 100, semantic: { max_turns: 6, threshold: 0.97, candidates: 8, embedding: { kind: 'default' } } })
    expect(mergeCacheConfig(global, { semantic: { embedding: { kind: 'static', path: 'x' } } }).semantic.threshold).toBeUndefined()
  })
})
