import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse } from 'yaml'
import type { z } from 'zod'
import { configSchema, type Config } from './schema.js'

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** `${VAR}` and `${VAR:-default}` in any string value; `$${` escapes a literal `${`. An unset `${VAR}` is an error. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string[] = [], missing: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (whole, name: string, hasDefault: string | undefined, fallback: string | undefined) => {
      if (whole.startsWith('$$')) return whole.slice(1)
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (hasDefault !== undefined) return fallback ?? ''
      missing.push(`${path.join('.') || '(root)'}: environment variable ${name} is not set`)
      return ''
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)], missing))
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], missing)]))
  return value
}

export function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
}

export type LoadedConfig = { config: Config; file: string; dir: string }

/** Reads, interpolates, applies PORT/HOST/REDIS_URL and validates. Throws ConfigError naming every bad path. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = resolve(file)
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {}
  } catch (err) {
    throw new ConfigError(path, [(err as Error).message])
  }
  const missing: string[] = []
  const data = interpolate(raw, env, [], missing) as Record<string, unknown>
  if (missing.length) throw new ConfigError(path, missing)
  const server = { ...(data.server as object | undefined) } as Record<string, unknown>
  if (env.PORT) server.port = Number(env.PORT)
  if (env.HOST) server.host = env.HOST
  data.server = server
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') data.store = { ...(data.store as object | undefined), redis_url: env.REDIS_URL }
  const parsed = configSchema.safeParse(data)
  if (!parsed.success) throw new ConfigError(path, formatIssues(parsed.error.issues))
  return { config: parsed.data, file: path, dir: dirname(path) }
}
