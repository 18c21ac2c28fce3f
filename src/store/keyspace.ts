/**
 * Names of every Redis key the keys, limits and usage code writes. They all carry one hash tag (`{sy}`), so
 * each Lua script's keys share a Redis Cluster slot and an admission stays one atomic operation. The price:
 * in Cluster mode this state lives on one shard (replicated, not spread).
 */
export type Keyspace = ReturnType<typeof keyspace>

export function keyspace(prefix: string) {
  const base = `${prefix}{sy}:`
  return {
    rpm: (scope: string) => `${base}r:${scope}`,
    tpm: (scope: string) => `${base}t:${scope}`,
    concurrency: (scope: string) => `${base}c:${scope}`,
    budget: (scope: string, period: string) => `${base}b:${scope}:${period}`,
    reservation: (id: string) => `${base}res:${id}`,
    usage: (kind: 'h' | 'd', index: number) => `${base}u:${kind}:${index}`,
    /** Hash: virtual key id → record JSON. */
    keyRecords: `${base}kr`,
    /** Hash: SHA-256 of a secret → key id. */
    keyHashes: `${base}kh`,
    /** Hash: key id → record version; no field means revoked or deleted. Checked by every admission. */
    keyVersions: `${base}kv`,
    /** Pub/sub channel announcing changed key ids, so replicas drop cached records at once. */
    keysChannel: `${prefix}keys-changed`,
  }
}
