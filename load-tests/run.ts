// npm run load-test: the k6 scenarios (load-tests/k6/) run here with Node, against fake upstreams and a
// gateway this script starts as processes, loopback only, each scenario bounded in time.
//   LOAD_SECONDS=5 LOAD_RATE=200 LOAD_CONCURRENCY=32 LOAD_SCENARIOS=steady-chat,failover npm run load-test
// Prints p50/p95/p99, req/s, error rate, cache hit ratio and 429 share per scenario: figures, not assertions.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js'
import { send } from './lib/drive.js'
import { loadTestConfig, MAIN_KEY } from './lib/load-config.js'
import { startFakeUpstream, startGateway } from './lib/processes.js'
import { scenarios } from './lib/scenarios.js'
import { summarize, table, type Summary } from './lib/summary.js'

const seconds = Number(process.env.LOAD_SECONDS ?? 5)
const rate = Number(process.env.LOAD_RATE ?? 200)
const concurrency = Number(process.env.LOAD_CONCURRENCY ?? 32)
const only = process.env.LOAD_SCENARIOS?.split(',').filter(Boolean)
const selected = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios
if (only && selected.length !== only.length) throw new Error(`unknown scenario in LOAD_SCENARIOS; known: ${scenarios.map((s) => s.name).join(', ')}`)

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

const dir = mkdtempSync(join(tmpdir(), 'sy-load-'))
const upstream = await startFakeUpstream()
const doomed = await startFakeUpstream()
let redis: RedisServer | undefined
let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
const results: Array<[string, Summary]> = []
try {
  redis = hasRedis ? await startRedisServer() : undefined
  const configFile = join(dir, 'gateway.yaml')
  writeFileSync(configFile, stringify(loadTestConfig({ upstream: upstream.baseURL, doomed: doomed.baseURL, redisUrl: redis?.url })))
  gateway = await startGateway(configFile)
  const ctx = { gatewayUrl: gateway.url, seconds, rate, concurrency, killDoomedUpstream: () => doomed.proc.kill('SIGKILL') }
  // Warm-up, not counted: JIT, keep-alive pools and the key cache; one cache request with an unrelated
  // prompt loads the embedder without seeding the cache scenario's answers.
  await scenarios.find((s) => s.name === 'steady-chat')!.run({ ...ctx, seconds: 1 })
  await send(new http.Agent(), { url: `${gateway.url}/v1/chat/completions`, headers: { authorization: `Bearer ${MAIN_KEY}` }, body: JSON.stringify({ model: 'chat-cached', messages: [{ role: 'user', content: 'warm-up request, not measured' }] }) })
  for (const scenario of selected) {
    const summary = summarize(await scenario.run(ctx), seconds)
    results.push([scenario.name, summary])
    process.stderr.write(`${scenario.name}: done\n`)
  }
} finally {
  await gateway?.stop()
  await Promise.all([upstream.stop(), doomed.stop(), redis?.stop()])
  rmSync(dir, { recursive: true, force: true })
}

console.log(`\nSwitchyard load test: ${seconds}s per scenario, open loop ${rate} req/s, closed loop ${concurrency} connections, store ${redis ? 'Redis' : 'memory'}\n`)
console.log(table(results))
const streaming = results.find(([n]) => n === 'streaming')?.[1]
if (streaming) console.log(`\nstreaming: time to first byte p50 ${streaming.ttfbP50.toFixed(2)} ms`)
const failover = results.find(([n]) => n === 'failover')?.[1]
if (failover) console.log(`failover: 2xx answers by provider ${JSON.stringify(failover.providers)}`)
