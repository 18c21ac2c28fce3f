import type { ChatCompletion } from '../../providers/types.js'

/** What every replica keeps in memory about an entry: enough to search and verify, not the answer. */
export type EntryMeta = {
  id: string
  /** Tenant partition: `key:<id>`, `team:<name>` or `shared`. */
  namespace: string
  model: string
  /** Hash of everything but the last user message (see request-keys.ts). */
  scope: string
  /** Hash of the whole request. */
  exact: string
  /** Set when the entry can be matched semantically. */
  embedder?: string
  vector?: Float32Array
  /** The last user message as the cache saw it (already redacted by input guardrails), for verification. */
  query?: string
  /** Epoch milliseconds. */
  expiresAt: number
}

export type CacheEntry = EntryMeta & { completion: ChatCompletion }

/** Which entries an admin delete removes; an empty filter removes all. */
export type EntryFilter = { namespace?: string; model?: string }

export type StoreEvent =
  | { type: 'put'; meta: EntryMeta }
  | { type: 'delete'; ids: string[] }
  | { type: 'clear'; filter: EntryFilter }
  /** The store lost track (Redis was unreachable): replace everything with `metas`. */
  | { type: 'reset'; metas: EntryMeta[] }

/**
 * Where entries live: Redis (shared by replicas) or process memory. Every change, made here or by
 * another replica, is reported to the listener, which keeps the in-process vector index in step.
 */
export interface EntryStore {
  readonly kind: 'redis' | 'memory'
  /** Loads what is stored (index rebuild at start). */
  load(): Promise<EntryMeta[]>
  /** Stores an entry; entries beyond `maxEntries` in its namespace are evicted, closest to expiry first. */
  put(entry: CacheEntry, maxEntries: number): Promise<void>
  /** The stored answer, or undefined when it expired or was evicted meanwhile. */
  completion(id: string): Promise<ChatCompletion | undefined>
  delete(ids: string[]): Promise<void>
  clear(filter: EntryFilter): Promise<number>
  onChange(listener: (event: StoreEvent) => void): void
  close(): Promise<void>
}

export function matchesFilter(meta: { namespace: string; model: string }, filter: EntryFilter): boolean {
  return (filter.namespace === undefined || meta.namespace === filter.namespace) && (filter.model === undefined || meta.model === filter.model)
}
