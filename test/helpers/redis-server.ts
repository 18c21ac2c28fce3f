import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export type RedisServer = { url: string; port: number; stop(): Promise<void>; restart(): Promise<void> }

/** Starts a real, throw-away redis-server on a free port (no persistence). */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sy-redis-'))
  let proc: ChildProcess | undefined
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000)
      proc!.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc!.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}`))
      })
    })
  }
  const stop = async () => {
    if (!proc || proc.exitCode !== null) return
    const p = proc
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve())
      p.kill('SIGKILL')
    })
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
    restart: async () => {
      await stop()
      await start()
    },
  }
}
