// What telemetry costs a request. Two parts; figures, not assertions. Run alone on a quiet machine:
//
//   npx tsx bench/telemetry-overhead.bench.ts          (BENCH_ROUNDS=5 BENCH_SECONDS=3 BENCH_ITERATIONS=100000)
//
// 1. In process: recording one finished request into the metrics, and one traced request's spans (request span,
//    a span per chain step, one upstream span) handed to an exporter that drops them. Microseconds per request.
// 2. End to end, as bench/run.ts does it (fake upstream and load on core 0, gateway on core 1): the same JSON and
//    stream requests through a gateway with telemetry off, with metrics, and with metrics + tracing (every
//    request sampled, exported over OTLP/HTTP to a sink in this process). p50/p99 client latency and the
//    difference from "off". Request log lines are off in every mode: this measures metrics and tracing.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { stringify } from 'yaml'
import { configSchema } from '../src/config/schema.js'
import { newRequestLog, type RequestLog } from '../src/request-log.js'
import { createMetrics } from '../src/telemetry/metrics.js'
import { RequestMetrics } from '../src/telemetry/request-metrics.js'
import { endRequestTrace, startRequestTrace } from '../src/telemetry/request-span.js'
import type { Tracing } from '../src/telemetry/tracing.js'
import { UpstreamDirectory } from '../src/telemetry/upstream-directory.js'
import { maxThroughput, percentile, streamTtfb, type Summary } from './lib/load.js'
import { cores, gatewayEntry, pin, pinSelfToCore0, start } from './lib/processes.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 3)
const roundCount = Number(process.env.BENCH_ROUNDS ?? 5)
const iterations = Number(process.env.BENCH_ITERATIONS ?? 100_000)
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

// ---- 1. in process ----------------------------------------------------------------------------------------

function timePerCall(run: () => void): { p50: number; p99: number } {
  for (let i = 0; i < Math.min(10_000, iterations); i++) run()
  // Batches of 100 calls: per-call timer reads would cost as much as the work.
  const batches: number[] = []
  for (let b = 0; b < iterations / 100; b++) {
    const t0 = performance.now()
    for (let i = 0; i < 100; i++) run()
    batches.push(((performance.now() - t0) * 1000) / 100)
  }
  batches.sort((a, b) => a - b)
  return { p50: percentile(batches, 50), p99: percentile(batches, 99) }
}

const config = configSchema.parse({
  providers: [{ name: 'openai', type: 'openai', base_url: 'http://127.0.0.1:9/v1' }],
  models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
})
const upstreams = new UpstreamDirectory(config.providers)
const finishedLog = (): RequestLog =>
  Object.assign(newRequestLog('req', 'POST', '/v1/chat/completions'), {
    api: 'openai' as const,
    status: 200,
    stream: false,
    keyName: 'app-a',
    team: 'search',
    model: 'gpt-4o-mini',
    provider: 'openai',
    targetModel: 'gpt-4o-mini',
    attempts: 1,
    durationMs: 120,
    upstreamMs: 119.6,
    inputTokens: 120,
    outputTokens: 30,
    cachedInputTokens: 64,
    costUsd: 0.0000312,
    cache: 'miss' as const,
  })

const recorder = new RequestMetrics(createMetrics())
recorder.configure(config, upstreams)
const log = finishedLog()
const metricsCost = timePerCall(() => recorder.record(log))

// As in production (a batch processor), with an exporter that drops the batches instead of posting them.
const dropping: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined }
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] })
const tracing: Tracing = {
  tracer: provider.getTracer('bench'),
  propagator: new W3CTraceContextPropagator(),
  shutdown: () => provider.shutdown(),
}
// The steps src/app.ts puts on an API route, one span each.
const CHAIN = ['errorShape', 'auth', 'api', 'limits', 'accounting', 'inputGuard', 'cache', 'outputGuard', 'route']
const request = new Request('http://gw/v1/chat/completions', { method: 'POST', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
const spansCost = timePerCall(() => {
  const rt = startRequestTrace(tracing, upstreams, request, '/v1/chat/completions', 'req')
  let ctx = rt.ctx
  for (const step of CHAIN) {
    const span = tracing.tracer.startSpan(`middleware ${step}`, undefined, ctx)
    ctx = trace.setSpan(ctx, span)
    span.end()
  }
  tracing.tracer.startSpan('chat gpt-4o-mini', undefined, ctx).end()
  endRequestTrace(rt, log, 200, undefined, 0.4)
})

console.log(`\nIn process, per request (${iterations} requests, batches of 100):`)
console.log(`  metrics: record one finished request               p50 ${fmt(metricsCost.p50)} µs   p99 ${fmt(metricsCost.p99)} µs`)
console.log(`  tracing: request + ${CHAIN.length} step + 1 upstream spans  p50 ${fmt(spansCost.p50)} µs   p99 ${fmt(spansCost.p99)} µs`)

// ---- 2. end to end ----------------------------------------------------------------------------------------

pinSelfToCore0()

// The collector: accepts every export and counts the bytes, so the exporter's real work happens.
let exportedBytes = 0
const sink = createServer((req, res) => {
  req.on('data', (b: Buffer) => (exportedBytes += b.length))
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
})
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`

const upstream = await start([...pin(0), process.execPath, '--import', 'tsx', 'test/upstreams/fake-openai.ts', '--port', '0'], {}, /"port"/)
const upstreamUrl = `http://127.0.0.1:${(JSON.parse(upstream.line) as { port: number }).port}/v1`

const modes = {
  off: { log_requests: false, metrics: { enabled: false }, tracing: { enabled: false } },
  metrics: { log_requests: false, metrics: { enabled: true }, tracing: { enabled: false } },
  'metrics+tracing': { log_requests: false, metrics: { enabled: true }, tracing: { enabled: true, otlp_endpoint: sinkUrl, sample_ratio: 1 } },
} as const
type Mode = keyof typeof modes

async function startGateway(telemetry: (typeof modes)[Mode]) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-telemetry-'))
  const configFile = join(dir, 'gateway.yaml')
  writeFileSync(
    configFile,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      telemetry,
      providers: [{ name: 'openai', type: 'openai', base_url: upstreamUrl, api_key: 'sk-bench' }],
      models: [{ name: 'gpt-4o-mini', retries: { attempts: 0 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
    }),
  )
  const gateway = await start([...pin(1), process.execPath, gatewayEntry()], { SWITCHYARD_CONFIG: configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/)
  return { proc: gateway.proc, target: { url: `${/http:\/\/127\.0\.0\.1:\d+/.exec(gateway.line)![0]}/v1/chat/completions`, headers: {} } }
}

/** CPU time (user + system) a process has used, in microseconds: unlike latency, not inflated by other load. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())
const BUSY_CONNECTIONS = 16

type Phase = Summary & { cpuPerRequestUs: number }
async function phase(pid: number, run: () => Promise<Summary>): Promise<Phase> {
  const before = cpuMicros(pid)
  const summary = await run()
  return { ...summary, cpuPerRequestUs: (cpuMicros(pid) - before) / Math.max(1, summary.count + summary.errors) }
}

// Every mode runs in its own gateway process, all started up front; the modes then take turns in short rounds,
// so background load on a shared machine falls on all of them alike. Closed loop, one request at a time: the
// latency is the service time, without queueing that would amplify any difference. The gateway's CPU time per
// request is measured too: on a busy machine it is the steadier figure.
const gateways = new Map<Mode, Awaited<ReturnType<typeof startGateway>>>()
const rounds: Record<Mode, Array<{ json: Phase; busy: Phase; stream: Phase }>> = { off: [], metrics: [], 'metrics+tracing': [] }
try {
  for (const mode of Object.keys(modes) as Mode[]) gateways.set(mode, await startGateway(modes[mode]))
  for (const gw of gateways.values()) await maxThroughput(gw.target, 1, 1, 0) // warm up every gateway first
  for (let round = 0; round < roundCount; round++) {
    for (const [mode, gw] of gateways) {
      const pid = gw.proc.pid!
      rounds[mode].push({
        json: await phase(pid, () => maxThroughput(gw.target, 1, seconds, 0)),
        // Many requests at once: the gateway's fixed background work spreads thin, so CPU per request is its own.
        busy: await phase(pid, () => maxThroughput(gw.target, BUSY_CONNECTIONS, seconds, 0)),
        stream: await phase(pid, () => streamTtfb(gw.target, 1, seconds, 0)),
      })
    }
  }
} finally {
  for (const gw of gateways.values()) gw.proc.kill('SIGTERM')
  upstream.proc.kill('SIGTERM')
  sink.close()
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50)
const summary = (mode: Mode) => ({
  jsonP50: median(rounds[mode].map((r) => r.json.p50)),
  jsonP99: median(rounds[mode].map((r) => r.json.p99)),
  jsonCpu: median(rounds[mode].map((r) => r.busy.cpuPerRequestUs)),
  busyRps: median(rounds[mode].map((r) => r.busy.rps)),
  ttfbP50: median(rounds[mode].map((r) => r.stream.p50)),
  ttfbP99: median(rounds[mode].map((r) => r.stream.p99)),
  streamCpu: median(rounds[mode].map((r) => r.stream.cpuPerRequestUs)),
  errors: rounds[mode].reduce((n, r) => n + r.json.errors + r.stream.errors, 0),
})
const off = summary('off')
console.log(`\nEnd to end: ${roundCount} rounds of ${seconds}s per mode, one request at a time; median over rounds; gateway on core 1 (${cores} cores)\n`)
console.log('latency, milliseconds (client side):')
console.log(`${'telemetry'.padEnd(18)} ${'JSON p50'.padStart(9)} ${'JSON p99'.padStart(9)} ${'Δp50'.padStart(7)} ${'Δp99'.padStart(7)}   ${'TTFB p50'.padStart(9)} ${'TTFB p99'.padStart(9)} ${'Δp50'.padStart(7)} ${'Δp99'.padStart(7)}  errors`)
const d = (a: number, b: number, digits = 3) => (a - b >= 0 ? '+' : '') + fmt(a - b, digits)
for (const mode of Object.keys(modes) as Mode[]) {
  const r = summary(mode)
  console.log(
    `${mode.padEnd(18)} ${fmt(r.jsonP50, 3).padStart(9)} ${fmt(r.jsonP99, 3).padStart(9)} ${d(r.jsonP50, off.jsonP50).padStart(7)} ${d(r.jsonP99, off.jsonP99).padStart(7)}   ` +
      `${fmt(r.ttfbP50, 3).padStart(9)} ${fmt(r.ttfbP99, 3).padStart(9)} ${d(r.ttfbP50, off.ttfbP50).padStart(7)} ${d(r.ttfbP99, off.ttfbP99).padStart(7)}  ${r.errors}`,
  )
}
console.log(`\ngateway CPU per request, microseconds (user + system, all threads); JSON at ${BUSY_CONNECTIONS} concurrent, streams one at a time:`)
console.log(`${'telemetry'.padEnd(18)} ${'JSON'.padStart(8)} ${'Δ'.padStart(8)} ${'req/s'.padStart(8)}   ${'stream'.padStart(8)} ${'Δ'.padStart(8)}`)
for (const mode of Object.keys(modes) as Mode[]) {
  const r = summary(mode)
  console.log(
    `${mode.padEnd(18)} ${fmt(r.jsonCpu, 0).padStart(8)} ${d(r.jsonCpu, off.jsonCpu, 0).padStart(8)} ${fmt(r.busyRps, 0).padStart(8)}   ${fmt(r.streamCpu, 0).padStart(8)} ${d(r.streamCpu, off.streamCpu, 0).padStart(8)}`,
  )
}
console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
console.log(`spans exported to the OTLP sink: ${(exportedBytes / 1024).toFixed(0)} KiB`)
process.exit(0)
