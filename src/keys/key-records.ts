import type { Budget, RateLimits } from '../limits/config.js'
import type { Keyspace } from '../store/keyspace.js'
import type { RedisClient } from '../store/redis.js'

/** A virtual key as stored. The secret itself is never stored, only its SHA-256. */
export type VirtualKeyRecord = {
  id: string
  name: string
  team: string | null
  models: string[]
  limits: RateLimits | null
  budget: Budget | null
  expires_at: string | null
  metadata: Record<string, unknown>
  created_at: string
  updated_at: string
  revoked_at: string | null
  key_hint: string
  /** Bumped on every change; admissions compare it with the store's, so a change or revocation is seen at once. */
  version: number
  secret_hash: string
}

/** Where virtual key records live; every write is atomic and conditional on the version it read. */
export interface KeyRecords {
  findByHash(hash: string): Promise<VirtualKeyRecord | undefined>
  get(id: string): Promise<VirtualKeyRecord | undefined>
  list(): Promise<VirtualKeyRecord[]>
  create(rec: VirtualKeyRecord): Promise<void>
  /** Writes `rec` (version already bumped) if the stored version is still `expected`; revoked records stop authenticating. */
  replace(rec: VirtualKeyRecord, expected: number): Promise<boolean>
}

const FIND_BY_HASH = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[2], id)
`

// KEYS: records, versions, hashes. ARGV: id, expected version, record JSON, new version ('' when revoking), secret hash.
const REPLACE = `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[5])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
return 1
`

export class RedisKeyRecords implements KeyRecords {
  constructor(
    private readonly client: RedisClient,
    private readonly ks: Keyspace,
    /** For the lookups on a request's path; admin writes and listings use the client's backstop timeout. */
    private readonly timed: <T>(op: Promise<T>) => Promise<T>,
  ) {
    client.defineCommand('syKeysFind', { numberOfKeys: 2, lua: FIND_BY_HASH })
    client.defineCommand('syKeysReplace', { numberOfKeys: 3, lua: REPLACE })
  }

  private run(name: string, ...args: string[]): Promise<unknown> {
    return (this.client as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[name]!.call(this.client, ...args)
  }

  async findByHash(hash: string): Promise<VirtualKeyRecord | undefined> {
    const json = (await this.timed(this.run('syKeysFind', this.ks.keyHashes, this.ks.keyRecords, hash))) as string | null
    return json ? (JSON.parse(json) as VirtualKeyRecord) : undefined
  }

  async get(id: string): Promise<VirtualKeyRecord | undefined> {
    const json = await this.timed(this.client.hget(this.ks.keyRecords, id))
    return json ? (JSON.parse(json) as VirtualKeyRecord) : undefined
  }

  async list(): Promise<VirtualKeyRecord[]> {
    const all = await this.client.hgetall(this.ks.keyRecords)
    return Object.values(all).map((json) => JSON.parse(json) as VirtualKeyRecord)
  }

  async create(rec: VirtualKeyRecord): Promise<void> {
    await this.client
      .multi()
      .hset(this.ks.keyRecords, rec.id, JSON.stringify(rec))
      .hset(this.ks.keyHashes, rec.secret_hash, rec.id)
      .hset(this.ks.keyVersions, rec.id, String(rec.version))
      .exec()
      .then((results) => {
        const failed = results?.find(([err]) => err)
        if (!results || failed) throw failed?.[0] ?? new Error('key create transaction aborted')
      })
  }

  async replace(rec: VirtualKeyRecord, expected: number): Promise<boolean> {
    const version = rec.revoked_at ? '' : String(rec.version)
    const ok = await this.run('syKeysReplace', this.ks.keyRecords, this.ks.keyVersions, this.ks.keyHashes, rec.id, String(expected), JSON.stringify(rec), version, rec.secret_hash)
    return ok === 1
  }
}

/** One replica without Redis: the records are this map. */
export class MemoryKeyRecords implements KeyRecords {
  private readonly byId = new Map<string, string>()
  private readonly idByHash = new Map<string, string>()

  async findByHash(hash: string) {
    const id = this.idByHash.get(hash)
    return id ? this.get(id) : undefined
  }
  async get(id: string) {
    const json = this.byId.get(id)
    return json ? (JSON.parse(json) as VirtualKeyRecord) : undefined
  }
  async list() {
    return [...this.byId.values()].map((json) => JSON.parse(json) as VirtualKeyRecord)
  }
  async create(rec: VirtualKeyRecord) {
    this.byId.set(rec.id, JSON.stringify(rec))
    this.idByHash.set(rec.secret_hash, rec.id)
  }
  async replace(rec: VirtualKeyRecord, expected: number) {
    const current = await this.get(rec.id)
    if (!current || current.revoked_at || current.version !== expected) return false
    this.byId.set(rec.id, JSON.stringify(rec))
    if (rec.revoked_at) this.idByHash.delete(rec.secret_hash)
    return true
  }
}
