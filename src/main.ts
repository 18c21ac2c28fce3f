import { ConfigError } from './config/load.js'
import { startGateway } from './server.js'
import { createLogger } from './telemetry/logger.js'

const configFile = process.env.SWITCHYARD_CONFIG ?? 'config/gateway.yaml'
const logger = createLogger(process.env.LOG_LEVEL ?? 'info')

try {
  const gateway = await startGateway({ configFile, logger, watch: true })
  const rt = gateway.runtime()
  const models = [...rt.models.values()].map((m) => {
    const states = m.route.targets.map((t) => `${t.provider.name}:${t.provider.state()}`)
    return `${m.name} [${states.join(', ')}]`
  })
  logger.info({ url: gateway.url, config: configFile }, `switchyard listening on ${gateway.url}/v1`)
  logger.info({ models }, `models: ${models.join('; ') || 'none configured'}`)

  process.on('SIGHUP', () => void gateway.reload())
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    void gateway.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`switchyard: ${err.message}\n`)
    process.exit(2)
  }
  process.stderr.write(`switchyard: failed to start: ${(err as Error).message}\n`)
  process.exit(1)
}
