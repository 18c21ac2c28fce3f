import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAI, type FakeOpenAI } from '../upstreams/fake-openai.js'
import { openaiConfig, startTestGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'

const repo = new URL('../..', import.meta.url).pathname

/** Runs `src/main.ts` as a real process; resolves once it listens (or exits). */
function runMain(env: Record<string, string>): { proc: ChildProcess; output: () => string; listening: Promise<string>; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
      if (m) {
        clearInterval(timer)
        resolve(m[1]!)
      }
    }, 20)
    void exited.then((code) => {
      clearInterval(timer)
      reject(new Error(`exited ${code}: ${out}`))
    })
  })
  listening.catch(() => undefined) // runs that are meant to fail never listen
  return { proc, output: () => out, listening, exited }
}

function writeConfig(config: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sy-life-')), 'gateway.yaml')
  writeFileSync(file, typeof config === 'string' ? config : stringify(config))
  return file
}

let up: FakeOpenAI
beforeAll(async () => {
  up = await startFakeOpenAI()
})
afterAll(async () => {
  await up.close()
})

describe('start', () => {
  it('the shipped default config starts with no env, no Redis and no keys, and says which models are ready', async () => {
    const run = runMain({ PORT: '0' })
    const url = await run.listening
    const ready = await fetch(`${url}/readyz`)
    const body = await ready.json()
    // No model can be served without keys or a GGUF file: not ready for a load balancer.
    expect(ready.status).toBe(503)
    expect(body.status).toBe('unavailable')
    expect(body.providers.openai.state).toBe('not_configured')
    expect(body.providers.local.state).toMatch(/model_missing|loading/)
    expect(run.output()).toMatch(/models: gpt-4o-mini \[openai:not_configured\]/)
    run.proc.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('a bad config exits non-zero naming each bad field', async () => {
    const file = writeConfig({ server: { port: 'eighty' }, providers: [{ name: 'x', type: 'nope' }], models: [{ name: 'm', targets: [{ provider: 'ghost', model: 'y' }] }] })
    const run = runMain({ SWITCHYARD_CONFIG: file })
    expect(await run.exited).toBe(2)
    expect(run.output()).toContain('server.port')
    expect(run.output()).toContain('providers.0.type')
  })

  it('an unset ${VAR} without a default is an error naming the path', async () => {
    const file = writeConfig({ providers: [{ name: 'o', type: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: '${SY_TEST_UNSET_KEY}' }] })
    const run = runMain({ SWITCHYARD_CONFIG: file })
    expect(await run.exited).toBe(2)
    expect(run.output()).toContain('providers.0.api_key: environment variable SY_TEST_UNSET_KEY is not set')
  })

  it('refuses a non-loopback host while auth.mode is none, and says why', async () => {
    const run = runMain({ SWITCHYARD_CONFIG: writeConfig({ server: { host: '0.0.0.0' } }) })
    expect(await run.exited).toBe(2)
    expect(run.output()).toMatch(/refusing to listen on 0\.0\.0\.0 while auth\.mode is none/)
  })
})

describe('reload', () => {
  it('applies a changed file without a restart and keeps the running config when the new one is bad', async () => {
    const gw = await startTestGateway(openaiConfig(up.baseURL), { watch: true })
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
    const names = async () => (await client.models.list()).data.map((m) => m.id)
    expect(await names()).toEqual(['gpt-4o-mini'])

    const cfg = openaiConfig(up.baseURL) as { models: unknown[] }
    cfg.models.push({ name: 'second', targets: [{ provider: 'openai', model: 'gpt-4o' }] })
    writeFileSync(gw.configFile, stringify({ ...cfg, server: { host: '127.0.0.1', port: 0 } }))
    await expect.poll(names, { timeout: 5000 }).toEqual(['gpt-4o-mini', 'second'])

    // Saved the way editors and ConfigMap updates do it, twice: write a temp file, rename it over the config.
    for (const extra of ['third', 'fourth']) {
      cfg.models.push({ name: extra, targets: [{ provider: 'openai', model: 'gpt-4o' }] })
      writeFileSync(`${gw.configFile}.tmp`, stringify({ ...cfg, server: { host: '127.0.0.1', port: 0 } }))
      renameSync(`${gw.configFile}.tmp`, gw.configFile)
      await expect.poll(async () => (await names()).at(-1), { timeout: 5000 }).toBe(extra)
    }

    writeFileSync(gw.configFile, 'models: [ { name: broken } ]\n')
    const bad = await gw.reload()
    expect(bad.ok).toBe(false)
    expect(await names()).toEqual(['gpt-4o-mini', 'second', 'third', 'fourth'])
    expect(gw.logs.some((l) => l.includes('keeping the running config'))).toBe(true)
    await gw.close()
  })

  it('a stream in flight during a reload finishes on the config it started with', async () => {
    const gw = await startTestGateway(openaiConfig(up.baseURL))
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'x', maxRetries: 0 })
    up.next({ content: 'a b c d e f g h', chunkIntervalMs: 30 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true })
    writeFileSync(gw.configFile, stringify({ providers: [], models: [], server: { host: '127.0.0.1', port: 0 } }))
    expect((await gw.reload()).ok).toBe(true)
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('a b c d e f g h')
    await gw.close()
  })
})

describe('graceful shutdown', () => {
  it('SIGTERM stops accepting, lets an in-flight stream finish, then exits 0', async () => {
    const slow = await startFakeOpenAI({ defaults: { content: 'one two three four five six', chunkIntervalMs: 100 } })
    const run = runMain({ SWITCHYARD_CONFIG: writeConfig({ ...openaiConfig(slow.baseURL), server: { port: 0 } }) })
    const url = await run.listening
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true })
    run.proc.kill('SIGTERM')
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('one two three four five six')
    expect(await run.exited).toBe(0)
    const after = await fetch(`${url}/healthz`).catch((e: Error) => e)
    expect(after).toBeInstanceOf(Error)
    await slow.close()
  })
})

describe('server.workers', () => {
  it('runs N worker processes on one port, all serving, and stops them all on SIGTERM', async () => {
    const redis = await startRedisServer()
    const port = 20000 + Math.floor(Math.random() * 20000)
    const run = runMain({ SWITCHYARD_CONFIG: writeConfig({ ...openaiConfig(up.baseURL), server: { port, workers: 2 }, store: { redis_url: redis.url } }) })
    await run.listening
    await expect.poll(() => (run.output().match(/switchyard listening on/g) ?? []).length, { timeout: 15_000 }).toBe(2)
    const pids = new Set([...run.output().matchAll(/"pid":(\d+)/g)].map((m) => m[1]))
    expect(pids.size).toBe(2)
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 })
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })))
    expect(answers.every((a) => a.choices[0]!.message.content === 'Hello from openai!')).toBe(true)
    run.proc.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    await redis.stop()
  })

  it('refuses more than one worker without Redis', async () => {
    const run = runMain({ SWITCHYARD_CONFIG: writeConfig({ server: { workers: 2 } }) })
    expect(await run.exited).toBe(2)
    expect(run.output()).toContain('server.workers: more than one worker needs store.redis_url')
  })
})
