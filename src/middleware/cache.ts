import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.js'
import { isStorable, namespaceFor } from '../cache/cacheable.js'
import { StreamCollector } from '../cache/collect-stream.js'
import { replayOutcome } from '../cache/replay.js'
import type { Probe, SemanticCache } from '../cache/semantic-cache.js'
import { badRequest } from '../errors.js'
import { mapChunks, type CacheResult } from '../outcome.js'
import type { ChatCompletionChunk } from '../providers/types.js'

type Directives = { noCache: boolean; noStore: boolean; threshold?: number; ttl?: number }

const DIRECTIVES = new Set(['no-cache', 'no-store', 'refresh'])

/** Reads x-switchyard-cache, -threshold and -ttl; a malformed value is a 400 naming the header. */
function readDirectives(c: Context<AppEnv>, maxTtl: number): Directives {
  const listed = (c.req.header('x-switchyard-cache') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
  for (const d of listed)
    if (!DIRECTIVES.has(d)) throw badRequest(`Invalid x-switchyard-cache value '${d.slice(0, 40)}': use no-cache, no-store or refresh.`, 'x-switchyard-cache')
  const directives: Directives = { noCache: listed.includes('no-cache') || listed.includes('refresh'), noStore: listed.includes('no-store') }
  const threshold = c.req.header('x-switchyard-cache-threshold')
  if (threshold !== undefined) {
    const value = Number(threshold)
    if (threshold.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1)
      throw badRequest('Invalid x-switchyard-cache-threshold: use a number from 0 to 1.', 'x-switchyard-cache-threshold')
    directives.threshold = value
  }
  const ttl = c.req.header('x-switchyard-cache-ttl')
  if (ttl !== undefined) {
    if (!/^\d+$/.test(ttl.trim()) || Number(ttl) <= 0) throw badRequest('Invalid x-switchyard-cache-ttl: use a whole number of seconds above 0.', 'x-switchyard-cache-ttl')
    directives.ttl = Math.min(Number(ttl), maxTtl)
  }
  return directives
}

/**
 * The cache step, between input guardrails and output guardrails. Before: an exact, then a semantic
 * lookup within the request's scope; a hit becomes the outcome (JSON or a replayed stream) and the
 * upstream is not called. After: the answer the output guardrails produced is stored, if it is
 * complete, successful and the request was not flagged. Redis faults and slow lookups are misses.
 */
export const cache = (semanticCache: SemanticCache): MiddlewareHandler<AppEnv> => {
  return async function cache(c, next) {
    const config = c.get('model').cache
    if (!config.enabled || !(config.exact.enabled || config.semantic.enabled)) {
      await next()
      return
    }
    const directives = readDirectives(c, config.max_ttl_seconds)
    const request = c.get('request')
    const log = c.get('log')
    const report = (result: CacheResult) => {
      c.get('responseHeaders')['x-switchyard-cache'] = result
      log.cache = result
    }
    // Several sampled choices are asked to differ; one stored answer cannot stand for them.
    if ((request.n ?? 1) > 1 || (directives.noCache && directives.noStore)) {
      report('bypass')
      await next()
      return
    }
    const found = await semanticCache.lookup({
      request,
      config,
      namespace: namespaceFor(config.scope, c.get('principal')),
      policyId: c.get('guardrail')?.policyId ?? 'none',
      skipLookup: directives.noCache,
      threshold: directives.threshold,
    })
    if (!directives.noCache) log.cacheLookupMs = Math.round(found.lookupMs * 1000) / 1000
    if (found.result === 'hit' || found.result === 'semantic-hit') {
      report(found.result)
      if (found.result === 'semantic-hit') {
        log.cacheScore = Math.round(found.score * 10_000) / 10_000
        c.get('responseHeaders')['x-switchyard-cache-similarity'] = found.score.toFixed(4)
      }
      c.set('outcome', replayOutcome(found.completion, request, found.result))
      return
    }
    report(directives.noCache ? 'bypass' : 'miss')
    await next()
    if (directives.noStore || c.error) return
    const outcome = c.get('outcome')
    if (!outcome) return
    const ttl = directives.ttl ?? config.ttl_seconds
    const flagged = () => c.get('guardrail')?.flagged === true
    if (outcome.kind === 'json') {
      if (!flagged() && isStorable(outcome.completion, config)) void semanticCache.store(found.probe, outcome.completion, ttl)
      return
    }
    c.set('outcome', mapChunks(outcome, (chunks) => storeWhenComplete(chunks, semanticCache, found.probe, ttl, flagged)))
  }
}

/** Passes the stream through untouched and stores it only if it ran to its end (a client that left gets nothing stored). */
async function* storeWhenComplete(
  chunks: AsyncIterable<ChatCompletionChunk>,
  semanticCache: SemanticCache,
  probe: Probe,
  ttl: number,
  flagged: () => boolean,
): AsyncIterable<ChatCompletionChunk> {
  const collector = new StreamCollector()
  for await (const chunk of chunks) {
    collector.add(chunk)
    yield chunk
  }
  const completion = collector.completion()
  if (completion && !flagged() && isStorable(completion, probe.config)) void semanticCache.store(probe, completion, ttl)
}
