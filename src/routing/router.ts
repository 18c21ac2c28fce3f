import { setTimeout as sleep } from 'node:timers/promises'
import type { ModelConfig } from '../config/schema.js'
import type { Outcome } from '../outcome.js'
import type { ChatRequest, EmbeddingsRequest, Provider } from '../providers/types.js'
import { UpstreamError } from '../providers/upstream-error.js'
import type { RequestLog } from '../request-log.js'
import type { Logger } from '../telemetry/logger.js'
import { callEmbeddings, callJson, callStream, type AttemptEnv, type Embedded, type RouteOptions } from './attempt.js'
import type { CircuitState } from './circuit-breaker.js'
import { clientClosed, mapUpstreamError } from './map-upstream-error.js'
import { compileRoute, type PriceLookup, type Route, type Target } from './plan.js'
import { backoffMs, movesOn, waitsTooLong } from './retry.js'
import type { Random, RoutedRequest } from './strategies/index.js'
import { HealthRegistry, type TargetHealth, type TargetInfo } from './target-health.js'

export type { Embedded, RouteOptions } from './attempt.js'
export type { Route, Target } from './plan.js'

export type AttemptResult =
  | 'success'
  /** A failure that moves on (retry or next target) and counts against the target's circuit. */
  | 'failure'
  /** The upstream refused the caller's own request (a 4xx outside fallback_on): says nothing about its health. */
  | 'rejected'
  /** The client went away during the attempt. */
  | 'cancelled'

/** What the router reports for metrics. Called synchronously on the request path: keep them cheap. */
export type RouterHooks = {
  /** One call per attempt once its result is known; a stream's attempt succeeds at its first content. `log` says which request. */
  attempt?(target: TargetInfo, result: AttemptResult, durationMs: number, error: UpstreamError | undefined, log: RequestLog): void
  /** Waiting before trying the same target again. */
  retry?(target: TargetInfo, delayMs: number, error: UpstreamError): void
  /** Moving from a target that failed to the next one. */
  fallback?(from: TargetInfo, to: TargetInfo, error: UpstreamError): void
  circuit?(target: TargetInfo, from: CircuitState, to: CircuitState): void
  /** A stream failed after its first content reached the client; it ends with an error event. */
  streamFailure?(target: TargetInfo, error: UpstreamError): void
}

export type RouterOptions = {
  hooks?: RouterHooks
  /** Circuit changes are logged here (opened: warn, closed: info). */
  logger?: Logger
  random?: Random
  /** Monotonic milliseconds for circuits and latency; injectable so tests can move time. */
  now?: () => number
}

const JSON_CALL = 0
const STREAM_CALL = 1
const EMBED_CALL = 2
type CallKind = typeof JSON_CALL | typeof STREAM_CALL | typeof EMBED_CALL

/**
 * Runs a model's precompiled plan: the strategy picks a target, the target is called with its timeouts and
 * retried with backoff, and on a failure that `fallback_on` allows the strategy picks the next target, until
 * one answers or all were tried. Targets whose circuit is open are skipped; when every circuit is open, one
 * attempt goes to the target whose cooldown ends first rather than failing without trying (see config/README.md).
 *
 * One Router lives as long as the process: its target health (circuits, latency, in-flight counts) outlives
 * config reloads for targets that did not change.
 */
export class Router implements AttemptEnv {
  readonly now: () => number
  readonly onStreamFailure: AttemptEnv['onStreamFailure']
  private readonly hooks: RouterHooks
  private readonly random: Random
  private readonly health: HealthRegistry

  constructor(opts: RouterOptions = {}) {
    this.hooks = opts.hooks ?? {}
    this.random = opts.random ?? Math.random
    this.now = opts.now ?? (() => performance.now())
    this.onStreamFailure = this.hooks.streamFailure?.bind(this.hooks)
    const hooks = this.hooks
    const logger = opts.logger
    this.health = new HealthRegistry((info, from, to) => {
      if (to === 'open') logger?.warn({ model: info.route, target: info.id, from }, 'circuit opened: target skipped until its cooldown ends')
      else if (to === 'closed') logger?.info({ model: info.route, target: info.id }, 'circuit closed: target back in rotation')
      hooks.circuit?.(info, from, to)
    })
  }

  /** Compiles every model's plan for one config load, sharing health with the previous load's unchanged targets. */
  compile(models: readonly ModelConfig[], providers: ReadonlyMap<string, Provider>, pricing?: PriceLookup): Map<string, Route> {
    const routes = new Map<string, Route>()
    const used = new Set<TargetHealth>()
    for (const m of models) {
      const route = compileRoute(m, { providers, health: this.health, random: this.random, pricing })
      routes.set(m.name, route)
      for (const t of route.targets) used.add(t.health)
    }
    this.health.retain(used)
    return routes
  }

  run(req: Readonly<ChatRequest>, route: Route, opts: RouteOptions): Promise<Outcome> {
    return this.route(req.stream === true ? STREAM_CALL : JSON_CALL, req, route, opts) as Promise<Outcome>
  }

  embed(req: Readonly<EmbeddingsRequest>, route: Route, opts: RouteOptions): Promise<Embedded> {
    return this.route(EMBED_CALL, req, route, opts) as Promise<Embedded>
  }

  private call(kind: CallKind, req: RoutedRequest, route: Route, target: Target, opts: RouteOptions): Promise<Outcome | Embedded> {
    if (kind === JSON_CALL) return callJson(req as ChatRequest, route, target, opts)
    if (kind === STREAM_CALL) return callStream(this, req as ChatRequest, route, target, opts)
    return callEmbeddings(req as EmbeddingsRequest, route, target, opts)
  }

  private async route(kind: CallKind, req: RoutedRequest, route: Route, opts: RouteOptions): Promise<Outcome | Embedded> {
    const { targets, strategy, fallbackOn } = route
    const retries = route.config.retries
    const stream = kind === STREAM_CALL
    const log = opts.log
    let tried = 0
    let attempts = 0
    let previous: Target | undefined
    let lastError: UpstreamError | undefined
    for (;;) {
      let index = strategy.pick(targets, tried | this.unavailableMask(targets, tried), req, stream, attempts === 0)
      // Every circuit is open: rather than fail without trying, one attempt where the cooldown ends first.
      const lastResort = index < 0 && attempts === 0
      if (lastResort) index = soonestToReopen(targets, this.now())
      if (index < 0) break
      tried |= 1 << index
      const target = targets[index]!
      const health = target.health
      if (previous && lastError) {
        log.fallbacks = (log.fallbacks ?? 0) + 1
        this.hooks.fallback?.(previous.health.info, health.info, lastError)
      }
      previous = target
      for (let retry = 0; ; retry++) {
        if (opts.signal.aborted) throw clientClosed(lastError)
        attempts++
        log.attempts = attempts
        if (lastResort) health.breaker.forceProbe()
        else health.breaker.onStart()
        const started = this.now()
        let err: unknown
        try {
          const value = await this.call(kind, req, route, target, opts)
          const elapsed = this.now() - started
          health.breaker.onSuccess(this.now())
          health.observeLatency(stream, elapsed)
          this.hooks.attempt?.(health.info, 'success', elapsed, undefined, log)
          value.attempts = attempts
          return value
        } catch (caught) {
          err = caught
        }
        const elapsed = this.now() - started
        if (opts.signal.aborted) {
          health.breaker.onNeutral()
          if (err instanceof UpstreamError) this.hooks.attempt?.(health.info, 'cancelled', elapsed, err, log)
          throw clientClosed(err)
        }
        if (!(err instanceof UpstreamError)) {
          health.breaker.onNeutral()
          throw err
        }
        if (!movesOn(err, fallbackOn)) {
          health.breaker.onNeutral()
          this.hooks.attempt?.(health.info, 'rejected', elapsed, err, log)
          throw mapUpstreamError(err)
        }
        const now = this.now()
        health.breaker.onFailure(now)
        // A timeout says the target is at least this slow: let lowest-latency see it.
        if (err.kind === 'timeout') health.observeLatency(stream, elapsed)
        this.hooks.attempt?.(health.info, 'failure', elapsed, err, log)
        lastError = err
        if (waitsTooLong(retries, err)) {
          // It asked for a longer break than this model waits: leave it alone for that long, go elsewhere.
          health.breaker.holdOpen(now, err.retryAfterMs!)
          break
        }
        if (lastResort || retry >= retries.attempts || !health.breaker.allows(now)) break
        const delay = backoffMs(retries, retry, err, this.random)
        this.hooks.retry?.(health.info, delay, err)
        if (delay > 0) await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined)
      }
    }
    throw mapUpstreamError(lastError ?? new UpstreamError(route.name, 'connection', 'no target available'))
  }

  /** Bit i set: target i's circuit does not let an attempt through now (only checked for targets not yet tried). */
  private unavailableMask(targets: readonly Target[], tried: number): number {
    let mask = 0
    let now = -1
    for (let i = 0; i < targets.length; i++) {
      if ((tried & (1 << i)) !== 0) continue
      // A provider without its key would only answer 401: the next target is the better first try.
      if (targets[i]!.provider.state() === 'not_configured') {
        mask |= 1 << i
        continue
      }
      const breaker = targets[i]!.health.breaker
      if (breaker.state === 'closed') continue
      if (now < 0) now = this.now()
      if (!breaker.allows(now)) mask |= 1 << i
    }
    return mask
  }
}

/** The target whose open circuit lets a probe through soonest (earlier targets win ties). */
function soonestToReopen(targets: readonly Target[], now: number): number {
  let best = -1
  let soonest = Number.POSITIVE_INFINITY
  for (let i = 0; i < targets.length; i++) {
    const ms = targets[i]!.health.breaker.reopensIn(now)
    if (ms < soonest) {
      soonest = ms
      best = i
    }
  }
  return best
}
