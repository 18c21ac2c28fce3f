import cluster from 'node:cluster'
import { ConfigError, loadConfig } from './config/load.js'
import { startGateway } from './server.js'
import { serveClusterMetrics } from './telemetry/cluster-metrics.js'
import { createLogger } from './telemetry/logger.js'

const configFile = process.env.SWITCHYARD_CONFIG ?? 'config/gateway.yaml'
const logger = createLogger(process.env.LOG_LEVEL ?? 'info')

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`switchyard: ${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`switchyard: failed to start: ${(err as Error).message}\n`)
  process.exit(1)
}

/** One gateway process: listens, reloads on SIGHUP and file change, drains on SIGTERM/SIGINT. */
async function runGateway(): Promise<void> {
  const gateway = await startGateway({ configFile, logger, watch: true })
  const rt = gateway.runtime()
  const models = [...rt.models.values()].map((m) => {
    const states = m.route.targets.map((t) => `${t.provider.name}:${t.provider.state()}`)
    return `${m.name} [${states.join(', ')}]`
  })
  logger.info({ url: gateway.url, config: configFile, pid: process.pid }, `switchyard listening on ${gateway.url}/v1`)
  logger.info({ models }, `models: ${models.join('; ') || 'none configured'}`)

  process.on('SIGHUP', () => void gateway.reload())
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    void gateway.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

/**
 * server.workers > 1: this process only supervises. Workers share the listening socket (node:cluster);
 * everything they must agree on (keys, limits, budgets, cache) is in Redis, so a Redis URL is required.
 */
function supervise(workers: number): void {
  // A scrape reaches one worker; it asks here for every worker's metrics.
  serveClusterMetrics()
  let stopping = false
  const fork = () => cluster.fork()
  for (let i = 0; i < workers; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another')
    fork()
  })
  const each = (signal: NodeJS.Signals) => Object.values(cluster.workers ?? {}).forEach((w) => w?.process.kill(signal))
  process.on('SIGHUP', () => each('SIGHUP'))
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    each(signal)
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

try {
  if (cluster.isPrimary) {
    const { config } = loadConfig(configFile)
    const workers = config.server.workers
    if (workers > 1) {
      if (!config.store.redis_url)
        throw new ConfigError(configFile, ['server.workers: more than one worker needs store.redis_url, or each worker would keep its own limits, budgets and cache'])
      logger.info({ workers }, `starting ${workers} workers`)
      supervise(workers)
    } else await runGateway()
  } else await runGateway()
} catch (err) {
  fail(err)
}
