// Processes of a benchmark run: the fake upstream and the gateway as separate processes, each pinned to a core.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { RedisServer } from '../../test/helpers/redis-server.js'
import { benchConfig } from './bench-config.js'

export const cores = Number(execFileSync('nproc').toString().trim())
export const pin = (core: number) => (cores > 1 ? ['taskset', '-c', String(core)] : [])

let built = false
/** The gateway as `npm start` runs it: src compiled to dist/ (scripts/build.mjs), run by plain node. */
export function gatewayEntry(): string {
  if (!built) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
  built = true
  return 'dist/main.js'
}

/** The load generator (this process) shares core 0 with the upstream; core 1 is the gateway's alone. */
export function pinSelfToCore0(): void {
  if (cores > 1) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
}

export function start(cmd: string[], env: NodeJS.ProcessEnv, ready: RegExp, cwd?: string): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(cmd[0]!, cmd.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
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

/** User + system CPU seconds the process has used so far (/proc/PID/stat, in clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

export type BenchStack = {
  upstreamPort: number
  upstream: ChildProcess
  gateway: ChildProcess
  gatewayUrl: string
  /** The gateway's config file, for a second gateway (a baseline) with the same chain and upstream. */
  configFile: string
  redis?: RedisServer
  stop(): Promise<void>
}

/** Fake OpenAI upstream on core 0, the gateway with the `chain` config on core 1 (Redis too for `full`). */
export async function startBenchStack(chain: 'bare' | 'full', gatewayNodeArgs: string[] = []): Promise<BenchStack> {
  const upstream = await start([...pin(0), process.execPath, '--import', 'tsx', 'test/upstreams/fake-openai.ts', '--port', '0'], {}, /"port"/)
  const upstreamPort = (JSON.parse(upstream.line) as { port: number }).port
  const configFile = join(mkdtempSync(join(tmpdir(), 'sy-bench-')), 'gateway.yaml')
  const { config, redis } = await benchConfig(chain, `http://127.0.0.1:${upstreamPort}/v1`)
  writeFileSync(configFile, stringify(config))
  const gateway = await start([...pin(1), process.execPath, ...gatewayNodeArgs, gatewayEntry()], { SWITCHYARD_CONFIG: configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/)
  const gatewayUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(gateway.line)?.[0]
  if (!gatewayUrl) throw new Error(`cannot read the gateway URL from: ${gateway.line}`)
  return {
    upstreamPort,
    upstream: upstream.proc,
    gateway: gateway.proc,
    gatewayUrl,
    configFile,
    redis,
    async stop() {
      gateway.proc.kill('SIGTERM')
      upstream.proc.kill('SIGTERM')
      await redis?.stop()
    },
  }
}

/**
 * Another commit's gateway with the same config, for before/after figures from one run: checked out in a
 * temporary git worktree sharing this node_modules, compiled as that commit's `npm start` did (dist/, or
 * tsx for commits from before scripts/build.mjs), pinned to core 1 like the gateway.
 */
export async function startBaselineGateway(ref: string, configFile: string): Promise<{ proc: ChildProcess; url: string; sha: string; stop(): void }> {
  const repo = process.cwd()
  const sha = execFileSync('git', ['rev-parse', '--short', ref]).toString().trim()
  const dir = mkdtempSync(join(tmpdir(), `sy-baseline-${sha}-`))
  execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, sha], { stdio: 'ignore' })
  const remove = () => execFileSync('git', ['worktree', 'remove', '--force', dir], { stdio: 'ignore' })
  try {
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'))
    const compiled = existsSync(join(dir, 'scripts/build.mjs'))
    if (compiled) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'inherit' })
    const entry = compiled ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts']
    const started = await start([...pin(1), process.execPath, ...entry], { SWITCHYARD_CONFIG: configFile, PORT: '0', LOG_LEVEL: 'info' }, /listening on/, dir)
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(started.line)?.[0]
    if (!url) throw new Error(`cannot read the baseline gateway URL from: ${started.line}`)
    return {
      proc: started.proc,
      url,
      sha,
      stop() {
        started.proc.kill('SIGTERM')
        remove()
      },
    }
  } catch (err) {
    remove()
    throw err
  }
}
