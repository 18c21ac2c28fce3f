import { TieredIndex } from './index/tiered-index.js'
import type { EntryFilter, EntryMeta, StoreEvent } from './store/entry-store.js'
import { matchesFilter } from './store/entry-store.js'
import { extractFeatures, type TextFeatures } from './verify/text-features.js'
import type { WordRanks } from './verify/word-ranks.js'

type Indexed = { meta: EntryMeta; key: number; partition?: string; features?: TextFeatures }

export type Candidate = { meta: EntryMeta; features: TextFeatures; score: number }

/** Partition of the vector search: tenant, scope hash and embedding model must all match. */
export const partitionKey = (namespace: string, scope: string, embedder: string): string => `${namespace}\u0000${scope}\u0000${embedder}`

/**
 * The in-process view of the stored entries: exact keys, and one vector index per partition with
 * each entry's verification features. Changed only through store events, local or from other replicas.
 */
export class CacheIndex {
  private readonly byId = new Map<string, Indexed>()
  private readonly byKey = new Map<number, Indexed>()
  private readonly exact = new Map<string, string>()
  private readonly partitions = new Map<string, TieredIndex>()
  private nextKey = 1

  constructor(
    private readonly ranks: WordRanks,
    private readonly hnswMinEntries: number,
  ) {}

  get size(): number {
    return this.byId.size
  }

  get partitionCount(): number {
    return this.partitions.size
  }

  apply(event: StoreEvent): void {
    switch (event.type) {
      case 'put':
        return this.add(event.meta)
      case 'delete':
        for (const id of event.ids) this.remove(id)
        return
      case 'clear':
        return this.removeWhere(event.filter)
      case 'reset':
        this.removeWhere({})
        for (const meta of event.metas) this.add(meta)
    }
  }

  add(meta: EntryMeta): void {
    this.remove(meta.id)
    const previous = this.exact.get(meta.exact)
    if (previous !== undefined) this.remove(previous)
    const entry: Indexed = { meta, key: this.nextKey++ }
    if (meta.vector && meta.embedder && meta.query !== undefined) {
      entry.partition = partitionKey(meta.namespace, meta.scope, meta.embedder)
      entry.features = extractFeatures(meta.query, this.ranks)
      let index = this.partitions.get(entry.partition)
      if (!index) this.partitions.set(entry.partition, (index = new TieredIndex(meta.vector.length, this.hnswMinEntries)))
      index.add(entry.key, meta.vector)
    }
    this.byId.set(meta.id, entry)
    this.byKey.set(entry.key, entry)
    this.exact.set(meta.exact, meta.id)
  }

  remove(id: string): void {
    const entry = this.byId.get(id)
    if (!entry) return
    this.byId.delete(id)
    this.byKey.delete(entry.key)
    if (this.exact.get(entry.meta.exact) === id) this.exact.delete(entry.meta.exact)
    if (entry.partition) {
      const index = this.partitions.get(entry.partition)!
      index.remove(entry.key)
      if (index.size === 0) this.partitions.delete(entry.partition)
    }
  }

  removeWhere(filter: EntryFilter): void {
    for (const entry of [...this.byId.values()]) if (matchesFilter(entry.meta, filter)) this.remove(entry.meta.id)
  }

  /** Drops expired entries (Redis expires their keys by itself; this keeps memory in step). */
  sweep(now: number): void {
    for (const entry of [...this.byId.values()]) if (entry.meta.expiresAt <= now) this.remove(entry.meta.id)
  }

  exactMatch(exactKey: string, now: number): EntryMeta | undefined {
    const id = this.exact.get(exactKey)
    const entry = id === undefined ? undefined : this.byId.get(id)
    return entry && entry.meta.expiresAt > now ? entry.meta : undefined
  }

  /** Live nearest neighbours in one partition, best first. */
  nearest(partition: string, vector: Float32Array, k: number, now: number): Candidate[] {
    const index = this.partitions.get(partition)
    if (!index) return []
    const out: Candidate[] = []
    for (const { key, score } of index.search(vector, k)) {
      const entry = this.byKey.get(key)
      if (entry?.features && entry.meta.expiresAt > now) out.push({ meta: entry.meta, features: entry.features, score })
    }
    return out
  }
}
