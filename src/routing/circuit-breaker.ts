export type CircuitState = 'closed' | 'open' | 'half-open'

export type CircuitBreakerOptions = {
  /** Off: the circuit never opens (not on failures, not on a long Retry-After). */
  enabled: boolean
  /** Opens after this many counted failures in a row; 0 turns the rule off. */
  consecutiveFailures: number
  /** Opens when failures / attempts in the window reach this ratio … */
  failureRatio: number
  /** … once the window holds at least this many attempts; 0 turns the ratio rule off. */
  minRequests: number
  windowMs: number
  /** How long an opened circuit stays open before one probe may go through. */
  cooldownMs: number
  /** Each failed probe doubles the cooldown, up to this. */
  maxCooldownMs: number
}

const BUCKETS = 10

/**
 * One target's circuit. Closed: every attempt goes through and failures are counted. Open: the target is
 * skipped until the cooldown has passed. Half-open: exactly one probe goes through; its success closes the
 * circuit, its failure opens it again with a doubled cooldown.
 *
 * Written here rather than taken from cockatiel because the router needs to ask "may I use this target now?"
 * without calling through it (a stream's success is its first content, decided by the router), to know when
 * an open circuit ends, and to skip a half-open target whose probe is out rather than wait for it.
 * Time is passed in by the caller (monotonic milliseconds), so tests drive it without waiting.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed'
  private consecutive = 0
  private openUntil = 0
  private cooldown: number
  private probing = false
  // Failure ratio over a sliding window of BUCKETS time slices: counts and the slice number each slot holds.
  private readonly bucketMs: number
  private readonly okCounts = new Int32Array(BUCKETS)
  private readonly failCounts = new Int32Array(BUCKETS)
  private readonly slices = new Float64Array(BUCKETS).fill(-1)

  constructor(
    readonly options: Readonly<CircuitBreakerOptions>,
    private readonly onChange?: (from: CircuitState, to: CircuitState) => void,
  ) {
    this.cooldown = options.cooldownMs
    this.bucketMs = Math.max(1, options.windowMs / BUCKETS)
  }

  get state(): CircuitState {
    return this.current
  }

  /** Whether a new attempt may go to this target now. An open circuit whose cooldown has passed half-opens here. */
  allows(now: number): boolean {
    if (this.current === 'closed') return true
    if (this.current === 'open') {
      if (now < this.openUntil) return false
      this.moveTo('half-open')
    }
    return !this.probing
  }

  /** Milliseconds until an open circuit lets a probe through (0 when it would now). */
  reopensIn(now: number): number {
    return this.current === 'open' ? Math.max(0, this.openUntil - now) : 0
  }

  /** An attempt is starting: in half-open it takes the one probe slot. */
  onStart(): void {
    if (this.current === 'half-open') this.probing = true
  }

  /** Sends one attempt through an open circuit early (every target was open): it counts as the probe. */
  forceProbe(): void {
    if (this.current === 'open') this.moveTo('half-open')
    this.probing = true
  }

  onSuccess(now: number): void {
    if (this.current === 'half-open') {
      this.cooldown = this.options.cooldownMs
      this.resetCounts()
      this.moveTo('closed')
      return
    }
    // A call that started before the circuit opened says little about now; only a probe may close it.
    if (this.current === 'open') return
    this.consecutive = 0
    this.record(now, false)
  }

  onFailure(now: number): void {
    if (this.current === 'half-open') {
      this.cooldown = Math.min(this.cooldown * 2, this.options.maxCooldownMs)
      this.open(now, this.cooldown)
      return
    }
    if (this.current === 'open' || !this.options.enabled) return
    this.consecutive++
    this.record(now, true)
    const o = this.options
    if ((o.consecutiveFailures > 0 && this.consecutive >= o.consecutiveFailures) || this.ratioReached(now)) this.open(now, this.cooldown)
  }

  /** The attempt ended without saying anything about the target's health (the client left, the caller's own 4xx). */
  onNeutral(): void {
    if (this.current === 'half-open') this.probing = false
  }

  /** The upstream asked us to stay away for longer than we wait (Retry-After over the cap): open for that long. */
  holdOpen(now: number, ms: number): void {
    if (!this.options.enabled) return
    const until = now + Math.min(ms, this.options.maxCooldownMs)
    if (this.current === 'open' && this.openUntil >= until) return
    this.open(now, until - now)
  }

  private open(now: number, ms: number): void {
    this.openUntil = now + ms
    this.probing = false
    this.consecutive = 0
    this.moveTo('open')
  }

  private moveTo(next: CircuitState): void {
    const from = this.current
    if (from === next) return
    this.current = next
    if (next !== 'half-open') this.probing = false
    this.onChange?.(from, next)
  }

  private record(now: number, failed: boolean): void {
    const slice = Math.floor(now / this.bucketMs)
    const slot = slice % BUCKETS
    if (this.slices[slot] !== slice) {
      this.slices[slot] = slice
      this.okCounts[slot] = 0
      this.failCounts[slot] = 0
    }
    if (failed) this.failCounts[slot]!++
    else this.okCounts[slot]!++
  }

  private ratioReached(now: number): boolean {
    const o = this.options
    if (o.minRequests <= 0) return false
    const oldest = Math.floor(now / this.bucketMs) - BUCKETS + 1
    let total = 0
    let failed = 0
    for (let i = 0; i < BUCKETS; i++) {
      if (this.slices[i]! < oldest) continue
      total += this.okCounts[i]! + this.failCounts[i]!
      failed += this.failCounts[i]!
    }
    return total >= o.minRequests && failed >= o.failureRatio * total
  }

  private resetCounts(): void {
    this.consecutive = 0
    this.slices.fill(-1)
  }
}
