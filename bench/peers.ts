// npm run bench:peers: Switchyard's full chain beside Portkey's gateway on this machine, with the shared
// harness of ../shared/tools/peer-bench (its mock upstream, wrk and its open-loop and stream load scripts),
// as ../shared/docs/BENCHMARKS.md measured Portkey. Mock, Redis and load on core 0; each gateway alone on core 1
// while it is measured; rounds interleaved (run-compare.sh). Writes docs/bench-peers.md.
//
// Portkey is not a dependency: install it outside the repo and point PORTKEY_GATEWAY at its server, e.g.
//   mkdir /tmp/portkey && cd /tmp/portkey && npm init -y && npm pkg set overrides.@hono/node-server=1.13.5 \
//     && npm install @portkey-ai/gateway@1.15.2
//   PORTKEY_GATEWAY=/tmp/portkey/node_modules/@portkey-ai/gateway/build/start-server.js npm run bench:peers
// (@hono/node-server 1.14.2 and later break Portkey's streams with "TypeError: immutable", Portkey-AI/gateway#1389;
// 1.13.5 is the version Portkey's own lockfile has.)  Knobs: REPEATS (3), TESTS ("tp rate stream").
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { stringify } from 'yaml'
import { benchConfig, benchHeaders } from './lib/bench-config.js'
import { gatewayEntry, pin, pinSelfToCore0, start } from './lib/processes.js'

const HARNESS = new URL('../../shared/tools/peer-bench/', import.meta.url).pathname
const portkeyServer = process.env.PORTKEY_GATEWAY ?? ''
if (!existsSync(portkeyServer)) {
  console.error('Set PORTKEY_GATEWAY to an installed @portkey-ai/gateway build/start-server.js (see the top of bench/peers.ts).')
  process.exit(2)
}
const portkeyVersion = (JSON.parse(readFileSync(join(dirname(portkeyServer), '..', 'package.json'), 'utf8')) as { version: string }).version

pinSelfToCore0()

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

// PEERS_RESULTS=<results.jsonl of an earlier run> rewrites the report from it without measuring again.
const results = process.env.PEERS_RESULTS ?? (await measure())

async function measure(): Promise<string> {
  const mockPort = await freePort()
  const mock = await start([...pin(0), process.execPath, join(HARNESS, 'mock-openai.mjs'), '--port', String(mockPort)], {}, /listen|127\.0\.0\.1/)
  const mockUrl = `http://127.0.0.1:${mockPort}/v1`
  const { config, redis } = await benchConfig('full', mockUrl)
  const redisPid = redis ? /process_id:(\d+)/.exec(execFileSync('redis-cli', ['-p', String(redis.port), 'info', 'server']).toString())?.[1] : undefined
  const configFile = join(mkdtempSync(join(tmpdir(), 'sy-peers-')), 'gateway.yaml')
  writeFileSync(configFile, stringify(config))
  const switchyard = await start([...pin(1), process.execPath, gatewayEntry()], { SWITCHYARD_CONFIG: configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/)
  const switchyardUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(switchyard.line)![0]
  const portkeyPort = await freePort()
  const portkey = await start(
    [...pin(1), process.execPath, '--require', join(HARNESS, 'force-loopback.cjs'), portkeyServer, `--port=${portkeyPort}`, '--headless'],
    {},
    /Ready for connections/,
    dirname(portkeyServer),
  )

  const results = join(mkdtempSync(join(tmpdir(), 'sy-peers-')), 'results.jsonl')
  console.error(`results: ${results}`)
  const header = (h: Record<string, string>) => Object.entries(h).map(([k, v]) => `${k}: ${v}`).join(';')
  const path = '/chat/completions'
  try {
    await new Promise<void>((resolve, reject) => {
      const run = spawn(
        join(HARNESS, 'run-compare.sh'),
        [
          results,
          'direct',
          `direct|${mockUrl}${path}||${mock.proc.pid}`,
          `portkey|http://127.0.0.1:${portkeyPort}/v1${path}|${header({ authorization: 'Bearer sk-x', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': mockUrl })}|${portkey.proc.pid}`,
          `switchyard|${switchyardUrl}/v1${path}|${header(benchHeaders('full'))}|${switchyard.proc.pid}`,
        ],
        {
          cwd: HARNESS,
          // Only the mock and Redis count as the benchmark's own load: an idle gateway still busy on core 1 is foreign
          // load and makes the harness measure again.
          env: { ...process.env, OURS: [mock.proc.pid, redisPid].filter(Boolean).join(','), TESTS: process.env.TESTS ?? 'tp rate stream', REPEATS: process.env.REPEATS ?? '3' },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      run.stdout.resume()
      run.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`run-compare.sh exited with ${code}`))))
    })
  } finally {
    for (const p of [switchyard.proc, portkey.proc, mock.proc]) p.kill('SIGTERM')
    await redis?.stop()
  }
  writeFileSync(`${results}.meta.json`, JSON.stringify({ rev: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(), at: new Date().toISOString(), load: loadavg() }))
  return results
}

type Row = { test: string; label: string; load: Record<string, any>; proc?: { rss_mib?: { peak?: number } } }
const rows = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const med = (test: RegExp, label: string, get: (r: Row) => number | undefined) =>
  median(rows.filter((r) => test.test(r.test) && r.label === label).map(get).filter((v): v is number => typeof v === 'number'))
const ratios: string[] = []
const line = (what: string, ours: number, theirs: number, unit: string, better: 'lower' | 'higher') =>
  ratios.push(`| ${what} | ${ours.toFixed(2)} ${unit} | ${theirs.toFixed(2)} ${unit} | ${(better === 'lower' ? theirs / ours : ours / theirs).toFixed(1)}× ${better} |`)
const overhead = (test: RegExp, get: (r: Row) => number | undefined, label: string) => med(test, label, get) - med(test, 'direct', get)
line('throughput, 64 connections', med(/^tp/, 'switchyard', (r) => r.load.rps), med(/^tp/, 'portkey', (r) => r.load.rps), 'req/s', 'higher')
for (const rate of [500, 1000])
  for (const [name, get] of [
    ['p50', (r: Row) => r.load.service_ms?.p50],
    ['p99', (r: Row) => r.load.service_ms?.p99],
  ] as const) {
    const test = new RegExp(`^rate_${rate}$`)
    line(`overhead at ${rate.toLocaleString('en')} req/s, ${name}`, overhead(test, get, 'switchyard'), overhead(test, get, 'portkey'), 'ms', 'lower')
  }
line('stream TTFB overhead, p50', overhead(/^stream/, (r) => r.load.ttfb_ms?.p50, 'switchyard'), overhead(/^stream/, (r) => r.load.ttfb_ms?.p50, 'portkey'), 'ms', 'lower')
line('peak RSS under load', med(/./, 'switchyard', (r) => r.proc?.rss_mib?.peak), med(/./, 'portkey', (r) => r.proc?.rss_mib?.peak), 'MiB', 'lower')

const summary = execFileSync(process.execPath, [join(HARNESS, 'summarize.mjs'), results, '--base', 'direct']).toString()
const meta = JSON.parse(readFileSync(`${results}.meta.json`, 'utf8')) as { rev: string; at: string; load: number[] }
writeFileSync(
  'docs/bench-peers.md',
  `# Switchyard and Portkey, side by side on this machine

Written by \`npm run bench:peers\` (bench/peers.ts); do not edit by hand. Run ${meta.at}, Switchyard ${meta.rev}, Portkey
(@portkey-ai/gateway) ${portkeyVersion}, Node ${process.version}, load average at the end ${meta.load.map((l) => l.toFixed(2)).join(' ')}.

Harness: ../shared/tools/peer-bench (its mock upstream; wrk at 64 connections for throughput; its open-loop generator at fixed
rates; 16 concurrent streams of 20 chunks), the mock, Redis and the load on core 0, the gateway under test alone on core 1,
rounds interleaved, medians [min–max]. **Switchyard runs its full chain** (virtual keys, limits with Redis, PII redaction with
restore, injection blocking, metrics; cache off); **Portkey runs as a plain pass-through** (no cache, retries or guardrails).

## Switchyard against Portkey

Medians over the rounds. Where a gateway cannot keep up with a fixed rate on its one core, requests queue and its
latency at that rate is its backlog, not its overhead: read those rows with the CPU and achieved-rate rows below.

| measure | Switchyard | Portkey | Switchyard is |
| --- | ---: | ---: | ---: |
${ratios.join('\n')}

## Every measure
${summary}
`,
)
console.log(ratios.join('\n'))
process.exit(0)
