// npm run soak: the full chain (keys, limits on Redis, guardrails, metrics) under steady load for SOAK_SECONDS
// (default 600): JSON at a fixed rate plus a few concurrent streams, the gateway's RSS sampled every slice.
// Reports errors and RSS growth from the end of the first minute (warm) to the end; writes docs/bench-soak.md.
// Figures, not assertions.
//
//   SOAK_SECONDS=600 SOAK_RATE=500 npm run soak
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { benchHeaders } from './lib/bench-config.js'
import { fixedRate, streamTtfb, type Summary } from './lib/load.js'
import { cpuSeconds, pinSelfToCore0, rssMb, startBenchStack } from './lib/processes.js'

const seconds = Number(process.env.SOAK_SECONDS ?? 600)
const rate = Number(process.env.SOAK_RATE ?? 500)
const slice = 30
const warmSeconds = Math.min(60, seconds / 5)

pinSelfToCore0()
const stack = await startBenchStack('full')
const target = { url: `${stack.gatewayUrl}/v1/chat/completions`, headers: benchHeaders('full') }
const pid = stack.gateway.pid!

type Row = { at: number; json: Summary; streams: Summary; rss: number; cpu: number }
const rows: Row[] = []
const started = performance.now()
let warmRss = NaN
try {
  for (let at = 0; at < seconds; at += slice) {
    const cpu0 = cpuSeconds(pid)
    const [json, streams] = await Promise.all([fixedRate(target, rate, slice, 0), streamTtfb(target, 1, slice, 0)])
    const row = { at: at + slice, json, streams, rss: rssMb(pid), cpu: (cpuSeconds(pid) - cpu0) / slice }
    rows.push(row)
    if (Number.isNaN(warmRss) && row.at >= warmSeconds) warmRss = row.rss
    console.log(`${String(row.at).padStart(5)} s  json ${Math.round(json.rps)}/s p50 ${json.p50.toFixed(2)} p99 ${json.p99.toFixed(2)} ms, errors ${json.errors + streams.errors}${json.errors + streams.errors ? ` ${JSON.stringify({ ...json.errorKinds, ...streams.errorKinds })}` : ''}, streams ${Math.round(streams.rps)}/s, RSS ${row.rss.toFixed(0)} MB, CPU ${(row.cpu * 100).toFixed(0)}%`)
  }
} finally {
  await stack.stop()
}

const last = rows.at(-1)!
const errors = rows.reduce((n, r) => n + r.json.errors + r.streams.errors, 0)
const requests = rows.reduce((n, r) => n + r.json.count + r.streams.count, 0)
const kinds: Record<string, number> = {}
for (const r of rows) for (const [kind, n] of [...Object.entries(r.json.errorKinds), ...Object.entries(r.streams.errorKinds).map(([k, v]) => [`stream ${k}`, v] as const)]) kinds[kind] = (kinds[kind] ?? 0) + n
const errorKinds = Object.entries(kinds).map(([k, n]) => `${k} ×${n}`).join(', ')
const growth = ((last.rss - warmRss) / warmRss) * 100
const lines = [
  `Switchyard soak: full chain, ${seconds} s (${((performance.now() - started) / 1000).toFixed(0)} s wall), ${rate} JSON req/s open loop + streams one at a time, gateway on core 1`,
  `Run ${new Date().toISOString()}, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  '',
  `${'at s'.padStart(5)}  ${'json/s'.padStart(6)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'streams/s'.padStart(9)}  ${'errors'.padStart(6)}  ${'RSS MB'.padStart(6)}  ${'CPU'.padStart(4)}`,
  ...rows.map(
    (r) =>
      `${String(r.at).padStart(5)}  ${String(Math.round(r.json.rps)).padStart(6)}  ${r.json.p50.toFixed(2).padStart(7)}  ${r.json.p99.toFixed(2).padStart(7)}  ${String(Math.round(r.streams.rps)).padStart(9)}  ${String(r.json.errors + r.streams.errors).padStart(6)}  ${r.rss.toFixed(0).padStart(6)}  ${`${(r.cpu * 100).toFixed(0)}%`.padStart(4)}`,
  ),
  '',
  `requests ${requests}, errors ${errors}${errorKinds ? ` (${errorKinds})` : ''}`,
  `RSS after warm-up (${warmSeconds} s) ${warmRss.toFixed(0)} MB, at the end ${last.rss.toFixed(0)} MB: growth ${growth >= 0 ? '+' : ''}${growth.toFixed(1)}% (target < 10%)`,
]
console.log(`\n${lines.slice(-2).join('\n')}`)
writeFileSync('docs/bench-soak.md', `# Soak (full chain)\n\nWritten by \`npm run soak\` (bench/soak.ts); do not edit by hand.\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`)
process.exit(0)
