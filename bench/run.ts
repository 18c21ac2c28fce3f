// npm run bench: gateway overhead over a direct call to the same fake upstream.
// Fake upstream and this load generator on core 0, the gateway alone on core 1 (taskset), as in
// ../shared/docs/BENCHMARKS.md. Prints p50/p99, req/s and gateway − direct; figures, not assertions.
// Beside the gateway it measures the floor (bench/floor-proxy.ts: Hono + undici and nothing else, on the same
// core), so the report separates what the runtime costs from what Switchyard's chain adds. Max throughput uses
// wrk when it is on PATH (apt-get install wrk): a Node load generator sharing core 0 tops out below the gateway.
//
// BENCH_BASELINE=<git ref> also runs that commit's gateway (same config, same core) in the same run, for
// before/after figures that share the machine's state. BENCH_ROUNDS (3) repeats every target's phases in
// interleaved rounds and reports medians [min–max]: on these shared machines one round of the same code, run as
// baseline and as gateway, has differed by 30% in max throughput.
//
//   BENCH_SECONDS=10 BENCH_RATE=1000 BENCH_CHAIN=full BENCH_BASELINE=HEAD~5 BENCH_ROUNDS=3 npm run bench
import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fixedRate, hasWrk, maxThroughput, median, streamTtfb, wrkThroughput, type Summary, type Target } from './lib/load.js'
import { benchHeaders } from './lib/bench-config.js'
import { cores, cpuSeconds, pin, pinSelfToCore0, rssMb, start, startBaselineGateway, startBenchStack } from './lib/processes.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rate = Number(process.env.BENCH_RATE ?? 1000)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64)
// Streams one at a time (time to first byte with nothing queued: the latency the target is about) and at
// 16 at once (where the figure is mostly the wait for the one core).
const streamConcurrencies = (process.env.BENCH_STREAM_CONCURRENCY ?? '1,16').split(',').map(Number)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const chain = (process.env.BENCH_CHAIN ?? 'full') as 'bare' | 'full'
const baselineRef = process.env.BENCH_BASELINE
pinSelfToCore0()

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-')
const signed = (n: number) => `${n >= 0 ? '+' : ''}${fmt(n)}`
const spread = (xs: number[], f = fmt) => (xs.length > 1 ? ` [${f(Math.min(...xs))}–${f(Math.max(...xs))}]` : '')
const errorText = (runs: Summary[]) => {
  const kinds: Record<string, number> = {}
  for (const r of runs) for (const [k, n] of Object.entries(r.errorKinds)) kinds[k] = (kinds[k] ?? 0) + n
  return Object.entries(kinds).map(([k, n]) => ` ${k} ×${n}`).join(',')
}
const row = (name: string, runs: Summary[]) => {
  const p99 = runs.map((r) => r.p99)
  return `${name.padEnd(34)} ${String(Math.round(median(runs.map((r) => r.rps)))).padStart(8)} ${fmt(median(runs.map((r) => r.p50))).padStart(8)} ${fmt(median(p99)).padStart(8)} ${spread(p99).padEnd(18)} ${String(runs.reduce((n, r) => n + r.errors, 0)).padStart(6)}${errorText(runs)}`
}

const stack = await startBenchStack(chain)
const { upstreamPort, gatewayUrl, gateway } = stack
const floor = await start([...pin(1), process.execPath, '--import', 'tsx', 'bench/floor-proxy.ts', '--upstream', `http://127.0.0.1:${upstreamPort}`], {}, /"port"/)
const floorPort = (JSON.parse(floor.line) as { port: number }).port
const baseline = baselineRef ? await startBaselineGateway(baselineRef, stack.configFile) : undefined

const path = '/v1/chat/completions'
const targets: Array<[string, Target, ChildProcess | undefined]> = [
  ['direct', { url: `http://127.0.0.1:${upstreamPort}${path}`, headers: {} }, undefined],
  ['floor', { url: `http://127.0.0.1:${floorPort}${path}`, headers: {} }, floor.proc],
  ...(baseline ? [['baseline', { url: `${baseline.url}${path}`, headers: benchHeaders(chain) }, baseline.proc] as [string, Target, ChildProcess]] : []),
  ['gateway', { url: `${gatewayUrl}${path}`, headers: benchHeaders(chain) }, gateway],
]
const closedLoop = hasWrk ? wrkThroughput : maxThroughput

const results: Record<string, Summary[]> = {}
const cpuPerRequestUs: Record<string, number[]> = {}
const record = <T>(into: Record<string, T[]>, key: string, value: T) => (into[key] ??= []).push(value)
const peakRss: Record<string, number> = { gateway: 0, baseline: 0 }
const sampler = setInterval(() => {
  peakRss.gateway = Math.max(peakRss.gateway!, rssMb(gateway.pid!))
  if (baseline) peakRss.baseline = Math.max(peakRss.baseline!, rssMb(baseline.proc.pid!))
}, 250)
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, t, proc] of targets) {
      // Warm up (JIT, pools, anything loaded on first use) before anything is recorded.
      await closedLoop(t, connections, 3, 0)
      const cpuBefore = proc ? cpuSeconds(proc.pid!) : 0
      record(results, `${name} fixed ${rate}/s`, await fixedRate(t, rate, seconds, 0))
      if (proc) record(cpuPerRequestUs, name, ((cpuSeconds(proc.pid!) - cpuBefore) * 1e6) / (rate * seconds))
      record(results, `${name} max ${connections} conns`, await closedLoop(t, connections, seconds))
      for (const n of streamConcurrencies) record(results, `${name} stream TTFB ${n} conc`, await streamTtfb(t, n, seconds))
    }
  }
} finally {
  clearInterval(sampler)
  floor.proc.kill('SIGTERM')
  baseline?.stop()
  await stack.stop()
}

const lines: string[] = []
const out = (line = '') => {
  console.log(line)
  lines.push(line)
}
out(`Switchyard bench: chain=${chain}, ${seconds}s per phase, ${rounds} interleaved round${rounds === 1 ? '' : 's'} (medians [min–max]), gateway on core 1, upstream + load on core 0 (${cores} cores); max throughput by ${hasWrk ? 'wrk' : 'a Node closed loop'}`)
out(`Run ${new Date().toISOString()}, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
out()
out(`${'phase'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p99 range'.padEnd(18)} ${'errors'.padStart(6)}`)
for (const [name, runs] of Object.entries(results)) out(row(name, runs))
out()
// Differences are taken within each round (the two ran minutes apart on the same machine), then the median.
const diff = (a: string, b: string, phase: string, f: (s: Summary) => number) => {
  const xs = results[`${a} ${phase}`]!
  const ys = results[`${b} ${phase}`]!
  return xs.map((x, i) => f(x) - f(ys[i]!))
}
const diffLine = (a: string, b: string, phase: string) => {
  const p50 = diff(a, b, phase, (s) => s.p50)
  const p99 = diff(a, b, phase, (s) => s.p99)
  return `  ${phase.padEnd(28)} p50 ${signed(median(p50))} ms${spread(p50, signed)}   p99 ${signed(median(p99))} ms${spread(p99, signed)}`
}
const comparedPhases = [`fixed ${rate}/s`, ...streamConcurrencies.map((n) => `stream TTFB ${n} conc`)]
const whole = (n: number) => String(Math.round(n))
const maxRps = (name: string) => {
  const rps = results[`${name} max ${connections} conns`]!.map((s) => s.rps)
  return `${whole(median(rps))}${spread(rps, whole)}`
}
const cpu = (name: string) => `${whole(median(cpuPerRequestUs[name]!))} µs${spread(cpuPerRequestUs[name]!, whole)}`
for (const [a, b, what] of [
  ['gateway', 'direct', 'overhead (gateway − direct)'],
  ['floor', 'direct', 'floor: Hono + undici alone (floor − direct)'],
  ['gateway', 'floor', "Switchyard's chain (gateway − floor)"],
] as const) {
  out(`${what}:`)
  for (const phase of comparedPhases) out(diffLine(a, b, phase))
}
if (baseline) {
  out(`after − before (gateway − baseline ${baseline.sha}):`)
  for (const phase of comparedPhases) out(diffLine('gateway', 'baseline', phase))
}
out(`max throughput: gateway ${maxRps('gateway')} req/s${baseline ? `, baseline ${maxRps('baseline')}` : ''}, floor ${maxRps('floor')}, direct ${maxRps('direct')}`)
out(`CPU per request at ${rate}/s: gateway ${cpu('gateway')}${baseline ? `, baseline ${cpu('baseline')}` : ''}, floor ${cpu('floor')}`)
out(`peak RSS: gateway ${peakRss.gateway!.toFixed(0)} MB${baseline ? `, baseline ${peakRss.baseline!.toFixed(0)} MB` : ''}`)
writeFileSync(
  `docs/bench-${chain}.md`,
  `# Gateway overhead (chain: ${chain})\n\nWritten by \`BENCH_CHAIN=${chain}${baselineRef ? ` BENCH_BASELINE=${baselineRef}` : ''}${rounds === 3 ? '' : ` BENCH_ROUNDS=${rounds}`} npm run bench\` (bench/run.ts); do not edit by hand. Targets and peers: README.md, "Benchmarks".\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`,
)
process.exit(0)
