// npm run bench:node-flags: the full chain under different Node/V8 flags, side by side in one run, for
// operators choosing NODE_OPTIONS (heap caps, young-generation size). Same stack as npm run bench (fake
// upstream, Redis and load on core 0, one gateway at a time alone on core 1); each variant is a fresh gateway
// process, in interleaved rounds, and the report gives medians [min–max]. Writes docs/bench-node-flags.md.
//
//   NODE_FLAGS='|--max-old-space-size=128|--max-semi-space-size=32' BENCH_ROUNDS=3 npm run bench:node-flags
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { benchHeaders } from './lib/bench-config.js'
import { fixedRate, hasWrk, maxThroughput, median, wrkThroughput, type Target } from './lib/load.js'
import { cores, cpuSeconds, gatewayEntry, pin, pinSelfToCore0, rssMb, start, startBenchStack } from './lib/processes.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rate = Number(process.env.BENCH_RATE ?? 1000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const flagSets = (process.env.NODE_FLAGS ?? '|--max-old-space-size=128|--max-semi-space-size=32|--single-threaded-gc').split('|').map((v) => v.trim())
const closedLoop = hasWrk ? wrkThroughput : maxThroughput
pinSelfToCore0()

type Figures = { p50: number; p99: number; cpuUs: number; maxRps: number; peakRssMb: number; errors: number }
const results = new Map<string, Figures[]>(flagSets.map((f) => [f, []]))

const stack = await startBenchStack('full')
// Only its config file and upstream are used: each variant starts its own gateway with the same config.
stack.gateway.kill('SIGTERM')
try {
  for (let round = 0; round < rounds; round++) {
    for (const flags of flagSets) {
      const gateway = await start([...pin(1), process.execPath, ...flags.split(' ').filter(Boolean), gatewayEntry()], { SWITCHYARD_CONFIG: stack.configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/)
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(gateway.line)?.[0]
      if (!url) throw new Error(`cannot read the gateway URL from: ${gateway.line}`)
      const pid = gateway.proc.pid!
      const t: Target = { url: `${url}/v1/chat/completions`, headers: benchHeaders('full') }
      let peak = 0
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250)
      await closedLoop(t, 64, 3, 0)
      const cpuBefore = cpuSeconds(pid)
      const fixed = await fixedRate(t, rate, seconds, 0)
      const cpuUs = ((cpuSeconds(pid) - cpuBefore) * 1e6) / (rate * seconds)
      const max = await closedLoop(t, 64, seconds)
      clearInterval(sampler)
      results.get(flags)!.push({ p50: fixed.p50, p99: fixed.p99, cpuUs, maxRps: max.rps, peakRssMb: peak, errors: fixed.errors + max.errors })
      gateway.proc.kill('SIGTERM')
      await new Promise((r) => gateway.proc.once('exit', r))
    }
  }
} finally {
  await stack.stop()
}

const cell = (runs: Figures[], f: (x: Figures) => number, digits: number) => {
  const xs = runs.map(f)
  const s = (n: number) => n.toFixed(digits)
  return `${s(median(xs))} [${s(Math.min(...xs))}–${s(Math.max(...xs))}]`
}
const lines = [
  `Full chain (keys, limits on Redis, guardrails, metrics; cache off), ${rounds} interleaved rounds, ${seconds} s per phase, gateway alone on core 1 (${cores} cores); max throughput by ${hasWrk ? 'wrk' : 'a Node closed loop'} at 64 connections.`,
  `Run ${new Date().toISOString()}, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
  '',
  `| node flags | p50 ms at ${rate}/s | p99 ms at ${rate}/s | CPU µs per request | max req/s | peak RSS MB | errors |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...[...results].map(([flags, runs]) =>
    `| ${flags ? `\`${flags}\`` : '(none)'} | ${cell(runs, (x) => x.p50, 2)} | ${cell(runs, (x) => x.p99, 1)} | ${cell(runs, (x) => x.cpuUs, 0)} | ${cell(runs, (x) => x.maxRps, 0)} | ${cell(runs, (x) => x.peakRssMb, 0)} | ${runs.reduce((n, x) => n + x.errors, 0)} |`,
  ),
]
console.log(lines.join('\n'))
writeFileSync(
  'docs/bench-node-flags.md',
  `# Node flags for the gateway process\n\nWritten by \`${process.env.NODE_FLAGS ? `NODE_FLAGS='${process.env.NODE_FLAGS}' ` : ''}npm run bench:node-flags\` (bench/node-flags.ts); do not edit by hand. Medians [min–max] over the rounds.\n\n${lines.join('\n')}\n\nA heap cap (\`--max-old-space-size\`, in MB) makes V8 collect the old generation sooner instead of letting it grow between collections; V8 aborts the process if live data ever exceeds it, so size it above the largest live heap a replica can need (the semantic cache's in-memory index, concurrent large request bodies). Set flags with \`NODE_OPTIONS\` (compose, Kubernetes) or on the \`node\` command line.\n`,
)
process.exit(0)
