import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyspace } from '../../src/store/keyspace.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { startReplica, type Replica } from '../limits/helpers/replica.js'

// Virtual keys through the admin API of one replica, used and revoked across two replicas sharing Redis.

const ADMIN = 'sk-admin-keys-test-0123456789abcdef'
const STATIC = 'sk-test-static-key-0123456789abcdef'
let redis: RedisServer
let up: FakeOpenAI
let a: Replica
let b: Replica
const secrets: string[] = [ADMIN, STATIC]

beforeAll(async () => {
  redis = await startRedisServer()
  up = await startFakeOpenAI({ id: 'keys', record: false })
  const config = {
    // A generous command timeout: these tests are about exact shared counts, not the fallback (see store-outage).
    store: { redis_url: redis.url, command_timeout_ms: 1000 },
    auth: { mode: 'keys', admin_key: ADMIN, keys: [{ key: STATIC, name: 'static-app', team: 'platform', models: ['gpt-*'] }] },
    providers: [{ name: 'openai', type: 'openai', base_url: up.baseURL, api_key: 'sk-upstream' }],
    models: ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5'].map((name) => ({ name, retries: { attempts: 0 }, targets: [{ provider: 'openai', model: name }] })),
  }
  a = await startReplica(config)
  b = await startReplica(config)
})
afterAll(async () => {
  await Promise.all([a.close(), b.close()])
  await up.close()
  await redis.stop()
  // Neither replica ever wrote a secret to its logs: not the admin key, not a static key, not a virtual key.
  expect(a.logs.some((l) => l.includes('"keyName":"static-app"'))).toBe(true)
  for (const line of [...a.logs, ...b.logs]) for (const s of secrets) expect(line).not.toContain(s)
})


const admin = (gw: Replica, method: string, path: string, body?: unknown, key = ADMIN) =>
  fetch(`${gw.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })

type Created = { id: string; key: string; name: string; team: string | null; models: string[]; status: string; key_hint: string; expires_at: string | null; metadata: Record<string, unknown> }

async function create(body: Record<string, unknown>): Promise<Created> {
  const res = await admin(a, 'POST', '/keys', body)
  expect(res.status).toBe(201)
  const created = (await res.json()) as Created
  secrets.push(created.key)
  return created
}

const chat = (gw: Replica, key: string, model = 'gpt-4o-mini', header: 'bearer' | 'x-api-key' = 'bearer') =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { ...(header === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key }), 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.status, text: await r.text() }))

describe('admin keys API', () => {
  it('needs the admin key as a Bearer token', async () => {
    expect((await admin(a, 'GET', '/keys', undefined, 'sk-wrong')).status).toBe(401)
    expect((await admin(a, 'GET', '/keys', undefined, STATIC)).status).toBe(401)
    const none = await fetch(`${a.url}/admin/keys`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
  })

  it('creates a key, shows its secret once, and stores only its hash', async () => {
    const created = await create({ name: 'ci-bot', team: 'platform', models: ['gpt-4o*'], limits: { rpm: 100, tpm: 5000, max_concurrency: 2 }, budget: { usd: 5, period: 'week' }, metadata: { owner: 'ci' } })
    expect(created).toMatchObject({ name: 'ci-bot', team: 'platform', models: ['gpt-4o*'], status: 'active', expires_at: null, metadata: { owner: 'ci' } })
    expect(created.id).toMatch(/^key_[0-9a-f]{24}$/)
    expect(created.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/)
    expect(created.key_hint).toBe(`sk-sy-…${created.key.slice(-4)}`)

    const fetched = (await (await admin(b, 'GET', `/keys/${created.id}`)).json()) as Record<string, unknown>
    expect(fetched).toMatchObject({ id: created.id, name: 'ci-bot', limits: { rpm: 100, tpm: 5000, max_concurrency: 2 }, budget: { usd: 5, period: 'week' } })
    expect(fetched).not.toHaveProperty('key')
    const listed = (await (await admin(b, 'GET', '/keys')).json()) as { object: string; data: Array<{ id: string }> }
    expect(listed.object).toBe('list')
    expect(listed.data.map((k) => k.id)).toContain(created.id)
    expect(JSON.stringify(listed)).not.toContain(created.key)

    const stored = JSON.stringify(await a.store.redis!.hgetall(keyspace('sy:').keyRecords))
    expect(stored).not.toContain(created.key)
  })

  it('validates bodies and answers 404 for unknown ids', async () => {
    const bad = await admin(a, 'POST', '/keys', { name: 'x', limits: { rpm: -1 } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('limits.rpm')
    expect((await admin(a, 'POST', '/keys', { team: 'no-name' })).status).toBe(400)
    expect((await admin(a, 'GET', '/keys/key_missing')).status).toBe(404)
    expect((await admin(a, 'PATCH', '/keys/key_missing', { name: 'y' })).status).toBe(404)
    expect((await admin(a, 'DELETE', '/keys/key_missing')).status).toBe(404)
  })
})

describe('virtual keys on the request path', () => {
  it('work with Bearer and x-api-key on both replicas, within their model globs', async () => {
    const { key } = await create({ name: 'globbed', models: ['gpt-4o*'] })
    expect((await chat(a, key)).status).toBe(200)
    expect((await chat(b, key, 'gpt-4o', 'x-api-key')).status).toBe(200)
    const denied = await chat(b, key, 'claude-sonnet-4-5')
    expect(denied.status).toBe(403)
    expect(JSON.parse(denied.text).error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed', param: 'model' })
    expect((await chat(a, STATIC, 'claude-sonnet-4-5')).status).toBe(403)
    expect((await chat(a, STATIC, 'gpt-4o', 'x-api-key')).status).toBe(200)
  })

  it('refuse an unknown key with 401 without echoing it', async () => {
    const guess = 'sk-sy-this-key-does-not-exist-0123456789abcdefg'
    const res = await chat(a, guess)
    expect(res.status).toBe(401)
    expect(JSON.parse(res.text).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' })
    expect(res.text).not.toContain(guess)
    expect(res.text).not.toContain(guess.slice(6, 20))
    const missing = await fetch(`${a.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(missing.status).toBe(401)
  })

  it('stops working on the other replica at once when revoked, although that replica had it cached', async () => {
    const { id, key } = await create({ name: 'to-revoke' })
    expect((await chat(b, key)).status).toBe(200)
    const revoked = await admin(a, 'DELETE', `/keys/${id}`)
    expect(revoked.status).toBe(200)
    expect(await revoked.json()).toMatchObject({ id, status: 'revoked' })
    const res = await chat(b, key)
    expect(res.status).toBe(401)
    expect(res.text).not.toContain(key)
    expect((await chat(a, key)).status).toBe(401)
    // A revoked key cannot be brought back by an update.
    expect((await admin(a, 'PATCH', `/keys/${id}`, { name: 'back' })).status).toBe(409)
  })

  it('applies changed limits on the other replica at once', async () => {
    const { id, key } = await create({ name: 'to-limit' })
    expect((await chat(b, key, 'gpt-4o')).status).toBe(200)
    expect((await admin(a, 'PATCH', `/keys/${id}`, { models: ['gpt-4o-mini'], limits: { rpm: 1 } })).status).toBe(200)
    expect((await chat(b, key, 'gpt-4o')).status).toBe(403)
    expect((await chat(b, key)).status).toBe(200)
    expect((await chat(b, key)).status).toBe(429)
  })

  it('refuses a key once it has expired, on every replica', async () => {
    const { id, key } = await create({ name: 'short-lived', expires_at: Math.floor(Date.now() / 1000) + 3600 })
    expect((await chat(a, key)).status).toBe(200)
    expect((await chat(b, key)).status).toBe(200)
    const past = new Date(Date.now() - 1000).toISOString()
    const patched = (await (await admin(a, 'PATCH', `/keys/${id}`, { expires_at: past })).json()) as { status: string }
    expect(patched.status).toBe('expired')
    for (const gw of [a, b]) {
      const res = await chat(gw, key)
      expect(res.status).toBe(401)
      expect(JSON.parse(res.text).error.message).toContain('expired')
    }
  })

  it('refuses a key whose expiry passes while it sits in every cache', async () => {
    const { key } = await create({ name: 'ticking', expires_at: new Date(Date.now() + 1500).toISOString() })
    expect((await chat(a, key)).status).toBe(200)
    expect((await chat(b, key)).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1600))
    expect((await chat(a, key)).status).toBe(401)
    expect((await chat(b, key)).status).toBe(401)
  })
})

describe('telemetry', () => {
  it('exposes key names, never keys, as metric labels', async () => {
    for (const gw of [a, b]) {
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      // 'globbed' is a virtual key both replicas served.
      expect(metrics).toContain('key_name="globbed"')
      for (const s of secrets) expect(metrics).not.toContain(s)
    }
  })
})
