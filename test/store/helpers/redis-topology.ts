import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../../helpers/redis-server.js'

// Throw-away Sentinel and Cluster set-ups on free ports, for the URL forms store.redis_url accepts.

const run = promisify(execFile)

function startProcess(args: string[], ready: RegExp): Promise<ChildProcess> {
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server ${args.join(' ')} did not start`)), 10_000)
    let out = ''
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString()
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve(proc)
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`))
    })
  })
}

const kill = (procs: ChildProcess[]) =>
  Promise.all(procs.filter((p) => p.exitCode === null).map((p) => new Promise<void>((r) => (p.once('exit', () => r()), p.kill('SIGKILL')))))

export type Topology = { url: string; stop(): Promise<void> }

/** A master and one Sentinel watching it as `mymaster`. */
export async function startSentinel(): Promise<Topology> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-sentinel-'))
  const [masterPort, sentinelPort] = [await freePort(), await freePort()]
  const master = await startProcess(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], /Ready to accept connections/)
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\n`)
  const sentinel = await startProcess([conf, '--sentinel'], /Sentinel ID is|monitor master mymaster/)
  return {
    url: `redis+sentinel://127.0.0.1:${sentinelPort}/mymaster`,
    async stop() {
      await kill([sentinel, master])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Three masters sharing the 16384 slots, no replicas. */
export async function startCluster(): Promise<Topology> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cluster-'))
  const ports = [await freePort(), await freePort(), await freePort()]
  const nodes = await Promise.all(
    ports.map((port) =>
      startProcess(
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
        /Ready to accept connections/,
      ),
    ),
  )
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
  const deadline = Date.now() + 15_000
  for (;;) {
    const states = await Promise.all(ports.map(async (p) => (await run('redis-cli', ['-p', String(p), 'cluster', 'info'])).stdout))
    if (states.every((s) => s.includes('cluster_state:ok'))) break
    if (Date.now() > deadline) throw new Error('cluster did not become ok')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    async stop() {
      await kill(nodes)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
