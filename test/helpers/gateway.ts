import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { pino } from 'pino'
import { stringify } from 'yaml'
import { startGateway, type Gateway } from '../../src/server.js'
import { Telemetry } from '../../src/telemetry/telemetry.js'

export type TestGateway = Gateway & {
  /** http://127.0.0.1:PORT/v1, for the SDKs' baseURL */
  baseURL: string
  /** Every log line the gateway wrote, as raw JSON text. */
  logs: string[]
  configFile: string
}

/** Starts a gateway on a free port from a config object (written to a temp YAML file), logs captured in memory. */
export async function startTestGateway(
  config: Record<string, unknown>,
  opts: { env?: NodeJS.ProcessEnv; watch?: boolean; /** finished spans go here instead of OTLP (with tracing enabled) */ spanExporter?: SpanExporter } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-gw-'))
  const configFile = join(dir, 'gateway.yaml')
  const server = { host: '127.0.0.1', ...(config.server as object | undefined), port: 0 }
  writeFileSync(configFile, stringify({ ...config, server }))
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      cb()
    },
  })
  const logger = pino({ level: 'debug' }, sink)
  const telemetry = opts.spanExporter ? new Telemetry({ logger, spanExporter: opts.spanExporter }) : undefined
  const gw = await startGateway({ configFile, env: { ...opts.env }, logger, watch: opts.watch, telemetry })
  return Object.assign(gw, { baseURL: `${gw.url}/v1`, logs, configFile })
}

/** A config routing `gpt-4o-mini` (and any extra models) to a fake OpenAI upstream. */
export function openaiConfig(baseURL: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: [{ name: 'openai', type: 'openai', base_url: baseURL, api_key: 'sk-upstream-secret-123' }],
    models: [{ name: 'gpt-4o-mini', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] }],
    ...extra,
  }
}
