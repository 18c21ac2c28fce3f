import type { Provider } from '../providers/types.js'
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js'

/** Names of one target as metrics and logs label it. Allocated once per target, not per request. */
export type TargetInfo = {
  readonly route: string
  readonly id: string
  readonly provider: string
  readonly model: string
}

// Weight of the newest sample in the latency averages: about the last ten requests dominate.
const EWMA_ALPHA = 0.2

/**
 * What the router knows about one target between requests: its circuit, how fast it answered lately
 * (whole answer for JSON, first content for streams) and how many calls to it are open right now.
 */
export class TargetHealth {
  inFlight = 0
  private jsonLatency = Number.NaN
  private streamLatency = Number.NaN

  constructor(
    readonly info: TargetInfo,
    /** Replaced when a reload changes the circuit settings; what was learnt about speed and load stays. */
    public breaker: CircuitBreaker,
  ) {}

  /** Recent latency for this kind of request; the other kind's when this one was never measured; NaN when neither was. */
  latencyMs(stream: boolean): number {
    const own = stream ? this.streamLatency : this.jsonLatency
    return Number.isNaN(own) ? (stream ? this.jsonLatency : this.streamLatency) : own
  }

  observeLatency(stream: boolean, ms: number): void {
    if (stream) this.streamLatency = Number.isNaN(this.streamLatency) ? ms : this.streamLatency + EWMA_ALPHA * (ms - this.streamLatency)
    else this.jsonLatency = Number.isNaN(this.jsonLatency) ? ms : this.jsonLatency + EWMA_ALPHA * (ms - this.jsonLatency)
  }
}

export type CircuitListener = (info: TargetInfo, from: CircuitState, to: CircuitState) => void

type Entry = { provider: Provider; breakerKey: string; health: TargetHealth }

/**
 * Target health that outlives config reloads. Keyed by model name and target id; an entry is kept when the
 * target's provider object survived the reload (its config did not change), and its circuit is kept when the
 * circuit settings did not change either. Everything else starts fresh.
 */
export class HealthRegistry {
  private entries = new Map<string, Entry>()

  constructor(private readonly onCircuitChange?: CircuitListener) {}

  get(info: TargetInfo, provider: Provider, options: Readonly<CircuitBreakerOptions>): TargetHealth {
    const key = `${info.route}\u0000${info.id}`
    const breakerKey = JSON.stringify(options)
    const existing = this.entries.get(key)
    if (existing && existing.provider === provider && existing.breakerKey === breakerKey) return existing.health
    const listener = this.onCircuitChange
    const breaker = new CircuitBreaker(options, listener && ((from, to) => listener(info, from, to)))
    if (existing && existing.provider === provider) {
      existing.health.breaker = breaker
      existing.breakerKey = breakerKey
      return existing.health
    }
    const health = new TargetHealth(info, breaker)
    this.entries.set(key, { provider, breakerKey, health })
    return health
  }

  /** Forgets targets that are no longer configured. */
  retain(keep: ReadonlySet<TargetHealth>): void {
    for (const [key, entry] of this.entries) if (!keep.has(entry.health)) this.entries.delete(key)
  }
}
