// npm run bench:profile: where the gateway's CPU goes under the bench load (node --cpu-prof).
// Same stack as npm run bench (fake upstream + load on core 0, gateway alone on core 1), then prints the
// functions and the files/packages with the most self time. The raw .cpuprofile is kept for Chrome DevTools.
//
//   PROFILE_SECONDS=10 PROFILE_RATE=1000 PROFILE_STREAMS=1 BENCH_CHAIN=full npm run bench:profile
// PROFILE_CALLERS=writeUtf8String also prints the call paths (PROFILE_DEPTH frames up, 4) that lead to that function.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { once } from 'node:events'
import { benchHeaders } from './lib/bench-config.js'
import { fixedRate, streamTtfb } from './lib/load.js'
import { pinSelfToCore0, startBenchStack } from './lib/processes.js'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const WARMUP_SECONDS = 2

const seconds = Number(process.env.PROFILE_SECONDS ?? 10)
const rate = Number(process.env.PROFILE_RATE ?? 1000)
const streams = process.env.PROFILE_STREAMS === '1'
const chain = (process.env.BENCH_CHAIN ?? 'full') as 'bare' | 'full'
const top = Number(process.env.PROFILE_TOP ?? 40)
const callersOf = process.env.PROFILE_CALLERS
const depth = Number(process.env.PROFILE_DEPTH ?? 4)
pinSelfToCore0()

const dir = mkdtempSync(join(tmpdir(), 'sy-prof-'))
const spawned = performance.now()
const stack = await startBenchStack(chain, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
const target = { url: `${stack.gatewayUrl}/v1/chat/completions`, headers: benchHeaders(chain) }
// Samples from the gateway's start-up and the load's warm-up are left out (timed from the spawn, close enough).
const skipUs = (performance.now() - spawned + WARMUP_SECONDS * 1000) * 1000
const result = streams ? await streamTtfb(target, 16, seconds, WARMUP_SECONDS) : await fixedRate(target, rate, seconds, WARMUP_SECONDS)
const exited = once(stack.gateway, 'exit')
await stack.stop()
await exited

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
if (!file) throw new Error(`no profile written in ${dir}`)
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const selfUs = new Map<number, number>()
let clock = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  clock += dt
  if (clock >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
})

const where = (url: string) => {
  if (!url) return '(native)'
  const path = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1]
  if (pkg) return pkg
  if (path.startsWith('node:')) return path
  return relative(process.cwd(), path)
}
const frame = (id: number) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  return `${functionName || '(anonymous)'}  ${where(url)}${url ? `:${lineNumber + 1}` : ''}`
}
const fns = new Map<string, number>()
const callers = new Map<string, number>()
const files = new Map<string, number>()
let total = 0
let idle = 0
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  total += us
  if (functionName === '(idle)') {
    idle += us
    continue
  }
  const key = frame(id)
  fns.set(key, (fns.get(key) ?? 0) + us)
  if (callersOf && functionName === callersOf) {
    const path: string[] = []
    for (let p = parent.get(id); p !== undefined && path.length < depth; p = parent.get(p)) path.push(frame(p))
    const k = path.join('  <  ')
    callers.set(k, (callers.get(k) ?? 0) + us)
  }
  files.set(where(url), (files.get(where(url)) ?? 0) + us)
}
const busy = total - idle
const requests = result.count + result.errors
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / requests).toFixed(1).padStart(6)} µs/req  ${k}`)
  }
}
console.log(`chain=${chain} ${streams ? 'streams (16 concurrent)' : `${rate} req/s`} for ${seconds}s: ${requests} requests, ${result.errors} errors`)
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s measured, ${(busy / requests).toFixed(0)} µs per request`)
print('self time by file or package', files)
print('self time by function', fns)
if (callersOf) print(`callers of ${callersOf}`, callers)
console.log(`\nprofile: ${join(dir, file)}`)
process.exit(0)
