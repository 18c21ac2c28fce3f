import { serve, type ServerType } from '@hono/node-server'
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { compileRuntime, retireReplaced, type Runtime } from './runtime.js'
import { createLogger, type Logger } from './telemetry/logger.js'
import { Telemetry } from './telemetry/telemetry.js'

export type Gateway = {
  url: string
  port: number
  runtime(): Runtime
  /** Re-reads the config file; a bad file keeps the running config and returns the reason. */
  reload(): Promise<{ ok: true } | { ok: false; reason: string }>
  /** Stops accepting, lets in-flight requests and streams finish (up to the drain timeout), closes everything. */
  close(): Promise<void>
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

export function assertSafeBind(config: Config): void {
  if (config.auth.mode === 'none' && !LOOPBACK.test(config.server.host))
    throw new ConfigError('server.host', [
      `server.host: refusing to listen on ${config.server.host} while auth.mode is none: anyone who can reach it could spend your provider keys. Set auth.mode: keys (with keys or an admin_key) or bind to 127.0.0.1.`,
    ])
}

/** Loads the config file, builds the app and listens. Used by main.ts and by tests (port 0). */
export async function startGateway(opts: {
  configFile: string
  env?: NodeJS.ProcessEnv
  logger?: Logger
  watch?: boolean
  /** Metrics registry, router hooks and tracing; tests pass one with an in-memory span exporter. */
  telemetry?: Telemetry
}): Promise<Gateway> {
  const env = opts.env ?? process.env
  const loaded = loadConfig(opts.configFile, env)
  assertSafeBind(loaded.config)
  const logger = opts.logger ?? createLogger(loaded.config.telemetry.log_level)
  const telemetry = opts.telemetry ?? new Telemetry({ logger })
  let runtime = compileRuntime(loaded.config, { configDir: loaded.dir, logger, routerHooks: telemetry.routerHooks })
  const build = (rt: Runtime) => {
    telemetry.watchStore(rt.store)
    return buildApp(rt, telemetry.compile(rt))
  }
  let app = build(runtime)
  // Limits must not fall back to the local limiter just because Redis is still connecting at start.
  if (runtime.store.backend === 'redis' && !(await runtime.store.ready(5000))) logger.warn('redis is not reachable yet; limits follow limits.on_store_error until it is')

  const server: ServerType = serve({ fetch: (req, env2) => app.fetch(req, env2), hostname: loaded.config.server.host, port: loaded.config.server.port })
  // Idle client connections stay open longer than clients and load balancers keep theirs (60 s on most), so the
  // gateway is never the side that closes one just as a request is sent on it (an ECONNRESET or a 502 upstream).
  const http1 = server as HttpServer
  http1.keepAliveTimeout = loaded.config.server.keep_alive_timeout_ms
  http1.headersTimeout = loaded.config.server.keep_alive_timeout_ms + 1000
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port

  let watcher: FSWatcher | undefined
  let closing = false
  const reload = async (): Promise<{ ok: true } | { ok: false; reason: string }> => {
    try {
      const next = loadConfig(opts.configFile, env)
      assertSafeBind(next.config)
      if (next.config.server.port !== runtime.config.server.port || next.config.server.host !== runtime.config.server.host)
        logger.warn('server.host and server.port take effect at the next restart, not on reload')
      const nextRuntime = compileRuntime(next.config, { configDir: next.dir, logger, previous: runtime })
      app = build(nextRuntime)
      runtime = nextRuntime
      // In-flight requests keep the providers they started with; close replaced ones after they have drained.
      setTimeout(() => void retireReplaced(nextRuntime), next.config.server.drain_timeout_ms).unref()
      logger.info({ models: [...nextRuntime.models.keys()] }, 'config reloaded')
      return { ok: true }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      logger.error({ reason }, 'config reload failed; keeping the running config')
      return { ok: false, reason }
    }
  }
  if (opts.watch) {
    let timer: NodeJS.Timeout | undefined
    try {
      // The folder, not the file: editors and Kubernetes ConfigMaps replace the file (rename, ..data symlink swap),
      // after which a watch on the old file never fires again. Reload only when the file's text changed.
      let lastText = readFileSync(loaded.file, 'utf8')
      watcher = watch(dirname(loaded.file), () => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          let text: string
          try {
            text = readFileSync(loaded.file, 'utf8')
          } catch {
            return // mid-replace; the next event reloads
          }
          if (text === lastText) return
          lastText = text
          void reload()
        }, 200)
      })
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'cannot watch the config file; reload with SIGHUP')
    }
  }

  return {
    url: `http://${loaded.config.server.host.includes(':') ? `[${loaded.config.server.host}]` : loaded.config.server.host}:${port}`,
    port,
    runtime: () => runtime,
    reload,
    async close() {
      if (closing) return
      closing = true
      watcher?.close()
      const drained = new Promise<void>((resolve) => server.close(() => resolve()))
      // Idle keep-alive sockets would hold close() open; busy ones finish their response first.
      if ('closeIdleConnections' in server) server.closeIdleConnections()
      const idle = setInterval(() => 'closeIdleConnections' in server && server.closeIdleConnections(), 100)
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, runtime.config.server.drain_timeout_ms).unref())
      await Promise.race([drained, timeout])
      clearInterval(idle)
      if ('closeAllConnections' in server) server.closeAllConnections()
      await runtime.close()
      await telemetry.close()
    },
  }
}
