import type { ProviderConfig } from '../config/schema.js'

/** A configured provider as telemetry names it. */
type UpstreamInfo = {
  /** The provider's name in config (`providers[].name`). */
  name: string
  /** OTel `gen_ai.provider.name`: the well-known value for OpenAI and Anthropic, else the configured name. */
  genAiProvider: string
  host: string
  port: number
}

const WELL_KNOWN: Partial<Record<ProviderConfig['type'], string>> = { openai: 'openai', anthropic: 'anthropic' }
const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * Which configured provider an outgoing HTTP request goes to, by origin and base path: built once per
 * config load, so an upstream span can be named without parsing anything per request.
 */
export class UpstreamDirectory {
  private readonly byName = new Map<string, UpstreamInfo>()
  private readonly byOrigin = new Map<string, Array<{ prefix: string; info: UpstreamInfo }>>()

  constructor(providers: readonly ProviderConfig[]) {
    for (const p of providers) {
      let host = ''
      let port = 0
      if ('base_url' in p) {
        const url = new URL(p.base_url)
        host = url.hostname
        port = url.port ? Number(url.port) : (DEFAULT_PORT[url.protocol] ?? 0)
        const info: UpstreamInfo = { name: p.name, genAiProvider: WELL_KNOWN[p.type] ?? p.name, host, port }
        const list = this.byOrigin.get(url.origin) ?? []
        list.push({ prefix: url.pathname.replace(/\/+$/, ''), info })
        list.sort((a, b) => b.prefix.length - a.prefix.length)
        this.byOrigin.set(url.origin, list)
        this.byName.set(p.name, info)
      } else this.byName.set(p.name, { name: p.name, genAiProvider: WELL_KNOWN[p.type] ?? p.name, host, port })
    }
  }

  /** The provider an undici request (origin + path) is for; undefined for anything else this process calls. */
  match(origin: string, path: string): UpstreamInfo | undefined {
    const list = this.byOrigin.get(origin)
    if (!list) return undefined
    for (const entry of list) if (path.startsWith(entry.prefix)) return entry.info
    return undefined
  }

  /** `gen_ai.provider.name` for a configured provider name. */
  genAiProvider(name: string): string {
    return this.byName.get(name)?.genAiProvider ?? name
  }
}
