// npm run bench: gateway overhead over a direct call to the same fake upstream.
// Fake upstream and this load generator on core 0, the gateway alone on core 1 (taskset), as in
// ../shared/docs/BENCHMARKS.md. Prints p50/p99, req/s and gateway − direct; figures, not assertions.
//
//   BENCH_SECONDS=10 BENCH_RATE=1000 BENCH_CHAIN=full npm run bench
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { fixedRate, maxThroughput, streamTtfb, type Summary } from './lib/load.js'
import { benchConfig, benchHeaders } from './lib/bench-config.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rate = Number(process.env.BENCH_RATE ?? 1000)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64)
const streamConcurrency = Number(process.env.BENCH_STREAM_CONCURRENCY ?? 16)
const chain = (process.env.BENCH_CHAIN ?? 'full') as 'bare' | 'full'
const cores = Number(execFileSync('nproc').toString().trim())
const pin = (core: number) => (cores > 1 ? ['taskset', '-c', String(core)] : [])

if (cores > 1) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })

function start(cmd: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (b: Buffer) => {
      out += b.toString()
      const m = out.split('\n').find((l) => ready.test(l))
      if (m) {
        proc.stdout!.off('data', onData)
        proc.stdout!.resume()
        proc.stderr!.resume()
        resolve({ proc, line: m })
      }
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
    proc.once('exit', (code) => reject(new Error(`${cmd.join(' ')} exited with ${code}:\n${out}`)))
  })
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-')
const row = (name: string, s: Summary) => `${name.padEnd(34)} ${String(Math.round(s.rps)).padStart(8)} ${fmt(s.p50).padStart(8)} ${fmt(s.p99).padStart(8)} ${String(s.errors).padStart(6)}`

const upstream = await start([...pin(0), process.execPath, '--import', 'tsx', 'test/upstreams/fake-openai.ts', '--port', '0'], {}, /"port"/)
const upstreamPort = (JSON.parse(upstream.line) as { port: number }).port
const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'))
const configFile = join(dir, 'gateway.yaml')
const { config, redis } = await benchConfig(chain, `http://127.0.0.1:${upstreamPort}/v1`)
writeFileSync(configFile, stringify(config))
const gateway = await start([...pin(1), process.execPath, '--import', 'tsx', 'src/main.ts'], { SWITCHYARD_CONFIG: configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/)
const gatewayUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(gateway.line)?.[0]
if (!gatewayUrl) throw new Error(`cannot read the gateway URL from: ${gateway.line}`)

const direct = { url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, headers: {} }
const through = { url: `${gatewayUrl}/v1/chat/completions`, headers: benchHeaders(chain) }

const results: Record<string, Summary> = {}
let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(gateway.proc.pid!))), 250)
try {
  for (const [name, t] of [['direct', direct], ['gateway', through]] as const) {
    results[`${name} fixed ${rate}/s`] = await fixedRate(t, rate, seconds)
    results[`${name} max ${connections} conns`] = await maxThroughput(t, connections, seconds)
    results[`${name} stream TTFB ${streamConcurrency} conc`] = await streamTtfb(t, streamConcurrency, seconds)
  }
} finally {
  clearInterval(sampler)
  gateway.proc.kill('SIGTERM')
  upstream.proc.kill('SIGTERM')
  await redis?.stop()
}

const lines: string[] = []
const out = (line = '') => {
  console.log(line)
  lines.push(line)
}
out(`Switchyard bench: chain=${chain}, ${seconds}s per phase, gateway on core 1, upstream + load on core 0 (${cores} cores)`)
out(`Run ${new Date().toISOString()}, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
out()
out(`${'phase'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(6)}`)
for (const [name, s] of Object.entries(results)) out(row(name, s))
out()
out('overhead (gateway − direct):')
for (const phase of [`fixed ${rate}/s`, `stream TTFB ${streamConcurrency} conc`]) {
  const d = results[`direct ${phase}`]!
  const g = results[`gateway ${phase}`]!
  out(`  ${phase.padEnd(28)} p50 +${fmt(g.p50 - d.p50)} ms   p99 +${fmt(g.p99 - d.p99)} ms`)
}
const gmax = results[`gateway max ${connections} conns`]!
out(`  max throughput through the gateway: ${Math.round(gmax.rps)} req/s (direct ${Math.round(results[`direct max ${connections} conns`]!.rps)})`)
out(`  gateway peak RSS: ${peakRss.toFixed(0)} MB`)
writeFileSync(
  `docs/bench-${chain}.md`,
  `# Gateway overhead (chain: ${chain})\n\nWritten by \`BENCH_CHAIN=${chain} npm run bench\` (bench/run.ts); do not edit by hand. Targets and peers: README.md, "Benchmarks".\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`,
)
process.exit(0)
