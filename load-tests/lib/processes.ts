import { execFileSync, spawn, type ChildProcess } from 'node:child_process'

export type Started = { proc: ChildProcess; line: string; stop(): Promise<void> }

/** Spawns a process and resolves with the first stdout line matching `ready`; rejects if it exits first. */
export function startProcess(cmd: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Started> {
  const proc = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
    await exited
  }
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`${cmd.join(' ')} was not ready within 30 s:\n${out}`))
    }, 30_000)
    const onData = (b: Buffer) => {
      out += b.toString()
      const line = out.split('\n').find((l) => ready.test(l))
      if (!line) return
      clearTimeout(timer)
      proc.stdout!.off('data', onData)
      proc.stdout!.resume()
      proc.stderr!.resume()
      resolve({ proc, line, stop })
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()))
    proc.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${cmd.join(' ')} exited (${code ?? signal}) before it was ready:\n${out}`))
    })
  })
}

/** The fake OpenAI upstream from test/upstreams as its own process, on a free loopback port. */
export async function startFakeUpstream(): Promise<Started & { baseURL: string }> {
  const started = await startProcess([process.execPath, '--import', 'tsx', 'test/upstreams/fake-openai.ts', '--port', '0', '--chunks', '8'], {}, /"port"/)
  const { port } = JSON.parse(started.line) as { port: number }
  return { ...started, baseURL: `http://127.0.0.1:${port}/v1` }
}

/** The gateway as `npm start` runs it (at info level: the ready line is an info line; request lines are off in the config), with `configFile`; resolves with its URL once it listens. */
export async function startGateway(configFile: string): Promise<Started & { url: string }> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
  const started = await startProcess([process.execPath, 'dist/main.js'], { SWITCHYARD_CONFIG: configFile, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }, /listening on/)
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(started.line)?.[0]
  if (!url) throw new Error(`cannot read the gateway URL from: ${started.line}`)
  return { ...started, url }
}
