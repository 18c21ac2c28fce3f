import type { ChatCompletion } from '../../providers/types.js'
import { matchesFilter, type CacheEntry, type EntryFilter, type EntryMeta, type EntryStore, type StoreEvent } from './entry-store.js'

/** Single-replica store (store.redis_url empty): entries in process memory, evicted oldest first per namespace. */
export class MemoryStore implements EntryStore {
  readonly kind = 'memory'
  private readonly entries = new Map<string, CacheEntry>()
  /** Per namespace, ids in insertion order (a Map keeps it), so the oldest is evicted first. */
  private readonly namespaces = new Map<string, Set<string>>()
  private listener: (event: StoreEvent) => void = () => {}

  constructor(private readonly now: () => number = Date.now) {}

  onChange(listener: (event: StoreEvent) => void): void {
    this.listener = listener
  }

  async load(): Promise<EntryMeta[]> {
    return [...this.entries.values()]
  }

  async put(entry: CacheEntry, maxEntries: number): Promise<void> {
    this.entries.set(entry.id, entry)
    let ids = this.namespaces.get(entry.namespace)
    if (!ids) this.namespaces.set(entry.namespace, (ids = new Set()))
    ids.add(entry.id)
    this.listener({ type: 'put', meta: entry })
    const evicted: string[] = []
    for (const id of ids) {
      if (ids.size <= maxEntries) break
      ids.delete(id)
      this.entries.delete(id)
      evicted.push(id)
    }
    if (evicted.length > 0) this.listener({ type: 'delete', ids: evicted })
  }

  async completion(id: string): Promise<ChatCompletion | undefined> {
    const entry = this.entries.get(id)
    if (!entry) return undefined
    if (entry.expiresAt <= this.now()) {
      await this.delete([id])
      return undefined
    }
    return entry.completion
  }

  async delete(ids: string[]): Promise<void> {
    for (const id of ids) {
      const entry = this.entries.get(id)
      if (!entry) continue
      this.entries.delete(id)
      this.namespaces.get(entry.namespace)?.delete(id)
    }
    this.listener({ type: 'delete', ids })
  }

  async clear(filter: EntryFilter): Promise<number> {
    const ids = [...this.entries.values()].filter((e) => matchesFilter(e, filter)).map((e) => e.id)
    await this.delete(ids)
    return ids.length
  }

  async close(): Promise<void> {
    this.entries.clear()
    this.namespaces.clear()
  }
}
