import { pino, type Logger } from 'pino'

export type { Logger }

/**
 * JSON logs to stdout. Paths that could carry secrets are redacted as a second line of defence;
 * the first is never putting them in a log object at all.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'switchyard' },
    redact: { paths: ['*.authorization', '*.api_key', '*.apiKey', '*["x-api-key"]', 'headers.authorization', 'key', 'secret'], censor: '[redacted]' },
  })
}
