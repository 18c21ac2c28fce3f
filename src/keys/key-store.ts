import type { Principal } from '../app-env.js'
import type { StaticKeyConfig } from '../config/schema.js'
import { GatewayError } from '../errors.js'
import { keyspace } from '../store/keyspace.js'
import type { Store } from '../store/store.js'
import { grantOf, grantPrincipal } from './grant.js'
import { toIsoExpiry, type CreateKeyInput, type UpdateKeyInput } from './key-input.js'
import { MemoryKeyRecords, RedisKeyRecords, type KeyRecords, type VirtualKeyRecord } from './key-records.js'
import { generateKeyId, generateSecret, hashSecret, keyHint, sameDigest } from './secret.js'

/** A virtual key as the admin API shows it: the record without its hash, plus its status. */
export type VirtualKeyView = Omit<VirtualKeyRecord, 'secret_hash' | 'version'> & { status: 'active' | 'expired' | 'revoked' }

export interface KeyStore {
  readonly mode: 'none' | 'keys'
  /** The principal a secret stands for; GatewayError 401 for an unknown, revoked or expired key, 503 if it cannot be looked up. */
  authenticate(secret: string): Promise<Principal>
  /** The current principal for a virtual key whose record changed; undefined once revoked or deleted. */
  refresh(principal: Principal): Promise<Principal | undefined>
  create(input: CreateKeyInput): Promise<{ key: string; view: VirtualKeyView }>
  list(): Promise<VirtualKeyView[]>
  get(id: string): Promise<VirtualKeyView | undefined>
  update(id: string, patch: UpdateKeyInput): Promise<VirtualKeyView | undefined>
  revoke(id: string): Promise<VirtualKeyView | undefined>
  close(): void
}

export type KeyStoreConfig = { auth: { mode: 'none' | 'keys'; keys: StaticKeyConfig[] } }

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', name: 'anonymous', models: ['*'], metadata: {} }) as Principal

// Cached records are checked against the store by every admission (src/limits), and dropped at once when a
// replica announces a change; this bound only matters for routes without limits if an announcement is lost.
const CACHE_MAX_AGE_MS = 10_000
const CACHE_MAX_ENTRIES = 50_000
const UPDATE_ATTEMPTS = 5

type Cached = { principal: Principal; id: string; loadedAt: number }

const invalidKey = () => new GatewayError(401, 'authentication_error', 'invalid_api_key', 'Incorrect API key provided.')
const expiredKey = () => new GatewayError(401, 'authentication_error', 'invalid_api_key', 'This API key has expired.')
const storeUnavailable = (cause: unknown) =>
  new GatewayError(503, 'api_error', 'store_unavailable', 'The key store is unreachable right now; try again shortly.', {
    cause,
    headers: { 'retry-after': '1' },
  })

export function staticKeyId(name: string): string {
  return `static:${name}`
}

function toPrincipal(rec: VirtualKeyRecord): Principal {
  const p: Principal = {
    id: rec.id,
    name: rec.name,
    ...(rec.team ? { team: rec.team } : {}),
    models: rec.models,
    ...(rec.limits ? { limits: rec.limits } : {}),
    ...(rec.budget ? { budget: rec.budget } : {}),
    metadata: rec.metadata,
  }
  return grantPrincipal(p, { virtual: true, version: rec.version, expiresAt: rec.expires_at ? Date.parse(rec.expires_at) : 0 })
}

function toView(rec: VirtualKeyRecord, now = Date.now()): VirtualKeyView {
  const { secret_hash: _hash, version: _version, ...view } = rec
  const status = rec.revoked_at ? 'revoked' : rec.expires_at && Date.parse(rec.expires_at) <= now ? 'expired' : 'active'
  return { ...view, status }
}

/**
 * Static keys from config (hashed once here) and virtual keys from the store. Lookups are by SHA-256 of the
 * presented secret, then confirmed with a constant-time comparison of the digests.
 */
export function createKeyStore(config: KeyStoreConfig, store: Store): KeyStore {
  const statics = new Map<string, { hash: string; principal: Principal }>()
  for (const k of config.auth.keys) {
    const hash = hashSecret(k.key)
    if (statics.has(hash)) throw new Error(`auth.keys: the key of '${k.name}' is also used by another static key`)
    if ([...statics.values()].some((s) => s.principal.name === k.name)) throw new Error(`auth.keys: duplicate key name '${k.name}'`)
    const principal: Principal = {
      id: staticKeyId(k.name),
      name: k.name,
      ...(k.team ? { team: k.team } : {}),
      models: k.models,
      ...(k.limits ? { limits: k.limits } : {}),
      ...(k.budget ? { budget: k.budget } : {}),
      ...(k.guardrails ? { guardrails: k.guardrails } : {}),
      metadata: k.metadata,
    }
    statics.set(hash, { hash, principal: grantPrincipal(principal, { virtual: false, version: 0, expiresAt: 0 }) })
  }

  const ks = keyspace(store.prefix)
  const records: KeyRecords = store.redis
    ? new RedisKeyRecords(store.redis, ks, store.timed)
    : store.local('keys:records', () => new MemoryKeyRecords())
  const cache = new Map<string, Cached>()
  const hashById = new Map<string, string>()

  const forget = (id: string) => {
    const hash = hashById.get(id)
    if (hash) cache.delete(hash)
    hashById.delete(id)
  }
  const remember = (hash: string, principal: Principal) => {
    if (cache.size >= CACHE_MAX_ENTRIES) {
      const oldest = cache.keys().next().value!
      hashById.delete(cache.get(oldest)!.id)
      cache.delete(oldest)
    }
    cache.delete(hash)
    cache.set(hash, { principal, id: principal.id, loadedAt: Date.now() })
    hashById.set(principal.id, hash)
  }
  const unsubscribe = store.subscribe(ks.keysChannel, forget)
  const stopRecover = store.onRecover(() => {
    cache.clear()
    hashById.clear()
  })
  const announce = (id: string) => {
    forget(id)
    return store.publish(ks.keysChannel, id)
  }

  const guarded = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op()
    } catch (err) {
      throw storeUnavailable(err)
    }
  }

  async function authenticate(secret: string): Promise<Principal> {
    const hash = hashSecret(secret)
    const s = statics.get(hash)
    if (s && sameDigest(s.hash, hash)) return s.principal
    const now = Date.now()
    const cached = cache.get(hash)
    let principal: Principal
    if (cached && now - cached.loadedAt < CACHE_MAX_AGE_MS) principal = cached.principal
    else {
      const rec = await guarded(() => records.findByHash(hash))
      if (!rec || rec.revoked_at || !sameDigest(rec.secret_hash, hash)) {
        if (cached) forget(cached.id)
        throw invalidKey()
      }
      principal = toPrincipal(rec)
      remember(hash, principal)
    }
    const { expiresAt } = grantOf(principal)
    if (expiresAt > 0 && now >= expiresAt) throw expiredKey()
    return principal
  }

  async function refresh(principal: Principal): Promise<Principal | undefined> {
    if (!grantOf(principal).virtual) return principal
    forget(principal.id)
    const rec = await guarded(() => records.get(principal.id))
    if (!rec || rec.revoked_at) return undefined
    const next = toPrincipal(rec)
    remember(rec.secret_hash, next)
    return next
  }

  /** Read, change, write if nobody changed it meanwhile; retried on a concurrent change. */
  async function change(id: string, apply: (rec: VirtualKeyRecord) => VirtualKeyRecord | undefined): Promise<VirtualKeyView | undefined> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const rec = await guarded(() => records.get(id))
      if (!rec) return undefined
      const next = apply(rec)
      if (!next) return toView(rec)
      if (await guarded(() => records.replace(next, rec.version))) {
        await announce(id)
        return toView(next)
      }
    }
    throw new GatewayError(409, 'invalid_request_error', 'conflict', 'The key was changed concurrently; retry the request.')
  }

  return {
    mode: config.auth.mode,
    authenticate,
    refresh,
    async create(input) {
      const key = generateSecret()
      const now = new Date().toISOString()
      const rec: VirtualKeyRecord = {
        id: generateKeyId(),
        name: input.name,
        team: input.team ?? null,
        models: input.models,
        limits: input.limits ?? null,
        budget: input.budget ?? null,
        expires_at: toIsoExpiry(input.expires_at),
        metadata: input.metadata,
        created_at: now,
        updated_at: now,
        revoked_at: null,
        key_hint: keyHint(key),
        version: 1,
        secret_hash: hashSecret(key),
      }
      await guarded(() => records.create(rec))
      return { key, view: toView(rec) }
    },
    async list() {
      const all = await guarded(() => records.list())
      const now = Date.now()
      return all.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)).map((r) => toView(r, now))
    },
    async get(id) {
      const rec = await guarded(() => records.get(id))
      return rec ? toView(rec) : undefined
    },
    update(id, patch) {
      return change(id, (rec) => {
        if (rec.revoked_at) throw new GatewayError(409, 'invalid_request_error', 'key_revoked', 'A revoked key cannot be changed.')
        return {
          ...rec,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.team !== undefined ? { team: patch.team } : {}),
          ...(patch.models !== undefined ? { models: patch.models } : {}),
          ...(patch.limits !== undefined ? { limits: patch.limits } : {}),
          ...(patch.budget !== undefined ? { budget: patch.budget } : {}),
          ...(patch.expires_at !== undefined ? { expires_at: toIsoExpiry(patch.expires_at) } : {}),
          ...(patch.metadata !== undefined ? { metadata: patch.metadata } : {}),
          updated_at: new Date().toISOString(),
          version: rec.version + 1,
        }
      })
    },
    revoke(id) {
      return change(id, (rec) => {
        if (rec.revoked_at) return undefined
        const now = new Date().toISOString()
        return { ...rec, revoked_at: now, updated_at: now, version: rec.version + 1 }
      })
    },
    close() {
      unsubscribe()
      stopRecover()
      cache.clear()
    },
  }
}
